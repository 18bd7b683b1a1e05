using Exp22.ServiceDefaults.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

public static class HealthExtensions
{
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddDrainSignal();

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthTags.Live])
            .AddCheck<DrainingHealthCheck>("draining", tags: [HealthTags.Ready]);
        builder.Services.AddDatabaseReadiness();

        return builder;
    }

    // Mapped in every environment, unlike Aspire's template: the AppHost, the load balancer and
    // Kubernetes probe these in production too. The bare status is all a caller gets unless it asks
    // for JSON, whose descriptions can name the database host and port.
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealth(HealthPaths.Live, check => check.Tags.Contains(HealthTags.Live));
        app.MapHealth(HealthPaths.Ready, check => check.Tags.Contains(HealthTags.Ready));
        app.MapHealth(HealthPaths.Health, _ => true);
        app.MapHealth(HealthPaths.Alive, check => check.Tags.Contains(HealthTags.Live));
        return app;
    }

    // Never rate limited: a probe that an overloaded service sheds would get it restarted or deregistered
    // for being busy, which only moves the load elsewhere.
    private static void MapHealth(this IEndpointRouteBuilder endpoints, string path, Func<HealthCheckRegistration, bool> predicate) =>
        endpoints.MapHealthChecks(path, new HealthCheckOptions
        {
            Predicate = predicate,
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).DisableRateLimiting();
}
