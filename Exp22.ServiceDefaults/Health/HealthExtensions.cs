using Exp22.ServiceDefaults;
using Exp22.ServiceDefaults.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class HealthExtensions
{
    private const int DatabaseCheckSeconds = 2;

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddDrainSignal();

        var checks = builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthTags.Live])
            .AddCheck<DrainingHealthCheck>("draining", tags: [HealthTags.Ready]);

        var connectionString = builder.Configuration.GetConnectionString(ConnectionNames.Database);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            checks.AddNpgSql(
                ProbeConnectionString(connectionString),
                name: ConnectionNames.Database,
                tags: [HealthTags.Ready],
                timeout: TimeSpan.FromSeconds(DatabaseCheckSeconds));
        }

        return builder;
    }

    // A probe that hangs tells the balancer nothing. The registration timeout alone is not enough:
    // Npgsql ignores the cancellation token while waiting for the server's startup reply (a server
    // that accepts but never answers held the check for the default 15 s), so the probe gets its own
    // pool with short connect and command timeouts.
    private static string ProbeConnectionString(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString)
            {
                Timeout = DatabaseCheckSeconds,
                CommandTimeout = DatabaseCheckSeconds,
            }.ConnectionString;
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionNames.Database} is not a valid PostgreSQL connection string: {e.Message}", e);
        }
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
