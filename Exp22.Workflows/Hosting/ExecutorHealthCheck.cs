using Exp22.Workflows.Execution;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Exp22.Workflows.Hosting;

/// <summary>
/// Ready only while the executor claims work. The executor flips it itself as its drain begins, so
/// readiness fails at once however the host is stopped and in whatever order its services were added.
/// </summary>
internal sealed class ExecutorHealthCheck(WorkflowExecutor executor) : IHealthCheck
{
    /// <summary>The tag readiness endpoints select their checks by.</summary>
    public const string ReadyTag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(executor.State == ExecutorStates.Running
            ? HealthCheckResult.Healthy(executor.State)
            : HealthCheckResult.Unhealthy(executor.State));
}
