using Exp22.AppHost.Model;
using Exp22.AppHost.Orchestration;
using Exp22.AppHost.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Exp22.AppHost.Dashboard;

public static class DashboardServices
{
    internal static IServiceCollection AddDashboard(
        this IServiceCollection services, DashboardResource dashboard, Func<ProjectResource, IReadOnlyList<ProjectReplica>> replicasOf)
    {
        services.AddSingleton(dashboard);
        services.AddSingleton(_ => new RunsApi(dashboard.RunsApi is { } api ? () => replicasOf(api).FirstOrDefault()?.Endpoint : null));
        services.AddSingleton(_ => new DrainStatusFeed(
            dashboard.DrainStatus is { } drain ? replicasOf(drain.Resource) : [],
            dashboard.DrainStatus?.Path ?? "/status",
            TimeProvider.System));
        services.AddHostedService(sp => sp.GetRequiredService<DrainStatusFeed>());
        services.AddProblemDetails();
        services.AddTelemetryStore();
        return services;
    }
}
