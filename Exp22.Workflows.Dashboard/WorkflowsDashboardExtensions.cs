using Exp22.Workflows.Dashboard.Access;
using Exp22.Workflows.Dashboard.Assets;
using Exp22.Workflows.Dashboard.Executors;
using Exp22.Workflows.Dashboard.Overview;
using Exp22.Workflows.Dashboard.Problems;
using Exp22.Workflows.Dashboard.Queues;
using Exp22.Workflows.Dashboard.Runs;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Dashboard;

public static class WorkflowsDashboardExtensions
{
    /// <summary>
    /// The dashboard's services, with options bound from the <c>WorkflowsDashboard</c> section (then
    /// <paramref name="configure"/>) and validated at start. Needs the engine's <c>AddWorkflows()</c>.
    /// </summary>
    public static IServiceCollection AddWorkflowsDashboard(
        this IServiceCollection services, Action<WorkflowsDashboardOptions>? configure = null)
    {
        services.AddAuthorization();
        var options = services.AddOptions<WorkflowsDashboardOptions>().BindConfiguration(WorkflowsDashboardOptions.SectionName);
        if (configure is not null)
            options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkflowsDashboardOptions>, WorkflowsDashboardOptionsValidator>());
        services.TryAddSingleton<DashboardAccess>();
        return services;
    }

    /// <summary>
    /// Serves the dashboard at <paramref name="prefix"/>: the page (<c>{prefix}/</c>) and its JSON
    /// (<c>{prefix}/api/…</c>), read from the workflow database only. Reading and acting are guarded as
    /// <see cref="WorkflowsDashboardOptions"/> says; the returned group takes further conventions.
    /// </summary>
    public static RouteGroupBuilder MapWorkflowsDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/workflows")
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (endpoints.ServiceProvider.GetService<DashboardAccess>() is null)
            throw new InvalidOperationException("Call services.AddWorkflowsDashboard() before MapWorkflowsDashboard().");
        if (endpoints.ServiceProvider.GetService<WorkflowMonitor>() is null)
            throw new InvalidOperationException("The workflows dashboard needs the engine: call services.AddWorkflows() as well.");

        var group = endpoints.MapGroup(prefix).ExcludeFromDescription();
        DashboardAssets.Map(group);

        var api = group.MapGroup("/api").AddEndpointFilter<DatabaseUnavailableFilter>();
        SettingsEndpoint.Map(api);

        var views = api.MapGroup("").AddEndpointFilter(new AccessFilter(DashboardOperation.View));
        OverviewEndpoint.Map(views);
        RunListEndpoint.Map(views);
        RunEndpoint.Map(views);
        ExecutorsEndpoint.Map(views);
        QueuesEndpoint.Map(views);

        var actions = api.MapGroup("")
            .AddEndpointFilter<SameOriginFilter>()
            .AddEndpointFilter(new AccessFilter(DashboardOperation.Act));
        StartRunEndpoint.Map(actions);
        RunStateEndpoints.Map(actions);
        ForkRunEndpoint.Map(actions);
        return group;
    }
}
