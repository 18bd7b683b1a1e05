using Exp22.Api.Runs;
using Exp22.Api.Security;
using Exp22.Api.Validation;
using Exp22.Workflows.Dashboard;
using Microsoft.Extensions.Options;

namespace Exp22.Api.Dashboard;

/// <summary>
/// The workflows dashboard at <see cref="Prefix"/>: starts demo runs through the same validation as
/// <c>POST /runs</c>, and with <c>Api:AdminKey</c> set, reading and acting need the key (unless
/// <c>WorkflowsDashboard:OpenViewing</c> opens reading); without it, the dashboard's local rule applies.
/// </summary>
public static class DashboardSetup
{
    public const string Prefix = "/workflows";

    public static IServiceCollection AddApiWorkflowsDashboard(this IServiceCollection services)
    {
        services.AddWorkflowsDashboard(dashboard =>
        {
            dashboard.StepsTotal = DemoRunSteps.Total;
            dashboard.StartForm = new DashboardStartForm("Start a demo run",
            [
                new StartField(RunRequestBody.SubWorkflowsField, "Sub-workflows", 2, RunLimits.SubWorkflows.Description),
                new StartField(RunRequestBody.StepsPerWorkflowField, "Steps per workflow", 3, RunLimits.StepsPerWorkflow.Description),
                new StartField($"{RunRequestBody.StepDelayField}.min", "Step delay min (ms)", null, "executor default"),
                new StartField($"{RunRequestBody.StepDelayField}.max", "Step delay max (ms)", null, "executor default"),
            ], async http => await StartRunEndpoints.FromBodyAsync(
                http, http.RequestServices.GetRequiredService<RunStarter>(), http.RequestServices.GetRequiredService<TimeProvider>()));
        });
        services.AddOptions<WorkflowsDashboardOptions>().Configure<IOptions<AdminOptions>>((dashboard, admin) =>
        {
            if (admin.Value.AdminKey is null)
                return;
            dashboard.ViewPolicy ??= AdminKeyPolicy.Name;
            dashboard.ActionPolicy ??= AdminKeyPolicy.Name;
            dashboard.CredentialHeader ??= AdminKey.HeaderName;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiWorkflowsDashboard(this IEndpointRouteBuilder app)
    {
        app.MapWorkflowsDashboard(Prefix);
        return app;
    }
}
