using Exp22.ServiceDefaults.Shutdown;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Exp22.ServiceDefaults.Health;

internal sealed class DrainingHealthCheck(DrainState drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = drain.DrainStartedAt is { } startedAt
            ? HealthCheckResult.Unhealthy("draining", data: new Dictionary<string, object> { ["drainStartedAt"] = startedAt })
            : HealthCheckResult.Healthy("serving");
        return Task.FromResult(result);
    }
}
