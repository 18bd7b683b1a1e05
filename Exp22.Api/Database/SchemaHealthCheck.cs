using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Exp22.Api.Database;

/// <summary>Not ready until the schema is migrated: every runs endpoint needs it.</summary>
public sealed class SchemaHealthCheck(SchemaState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady
            ? HealthCheckResult.Healthy("schema migrated")
            : HealthCheckResult.Unhealthy("schema not migrated yet: waiting for the database"));
}
