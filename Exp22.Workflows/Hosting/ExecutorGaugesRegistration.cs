using Exp22.Workflows.Execution;
using Exp22.Workflows.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Exp22.Workflows.Hosting;

/// <summary>
/// Reports this host's executor in the in-flight and queue-depth gauges from start until every hosted
/// service has stopped, so the gauges keep moving while the executor drains.
/// </summary>
internal sealed class ExecutorGaugesRegistration(
    WorkflowExecutor executor,
    NpgsqlDataSource dataSource,
    IOptions<WorkflowsOptions> options,
    TimeProvider time,
    ILogger<QueueDepthSampler> logger) : IHostedLifecycleService, IDisposable
{
    private IDisposable? _membership;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _membership = ExecutorGauges.Track(
            executor.ExecutorId,
            () => executor.InFlightCount,
            new QueueDepthSampler(dataSource, options.Value.EffectiveQueues, time, logger));
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        _membership?.Dispose();
        return Task.CompletedTask;
    }

    // A host disposed without stopping (a test's simulated crash) leaves the gauges too.
    public void Dispose() => _membership?.Dispose();

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
