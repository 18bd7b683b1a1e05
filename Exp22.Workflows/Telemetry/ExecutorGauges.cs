using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Exp22.Workflows.Telemetry;

/// <summary>
/// The engine's observable gauges: workflows in flight and queue depth, reported for every executor
/// running in this process. An executor joins while it runs and leaves when it stops.
/// </summary>
internal static class ExecutorGauges
{
    private static readonly ConcurrentDictionary<string, ObservedExecutor> Executors = new();

    static ExecutorGauges()
    {
        WorkflowTelemetry.Meter.CreateObservableGauge(
            "exp22.workflows.in_flight", ObserveInFlight, "{workflow}", "Workflows an executor is running now.");
        WorkflowTelemetry.Meter.CreateObservableGauge(
            "exp22.queue.depth", ObserveQueueDepth, "{workflow}", "Workflows waiting on a queue to be claimed.");
    }

    public static IDisposable Track(string executorId, Func<int> inFlight, QueueDepthSampler queueDepth)
    {
        var observed = new ObservedExecutor(executorId, inFlight, queueDepth);
        Executors[executorId] = observed;
        return new Membership(observed);
    }

    private static IEnumerable<Measurement<int>> ObserveInFlight() =>
        Executors.Values.Select(e => new Measurement<int>(
            e.InFlight(), WorkflowTelemetry.ExecutorOf(e.ExecutorId)));

    // Every executor of a database reports the same depths; the executor tag keeps each one's series apart.
    private static IEnumerable<Measurement<long>> ObserveQueueDepth() =>
        Executors.Values.SelectMany(e => e.QueueDepth.Latest().Select(d => new Measurement<long>(
            d.Depth,
            new KeyValuePair<string, object?>(WorkflowTelemetry.QueueTag, d.Queue),
            new KeyValuePair<string, object?>(WorkflowTelemetry.ExecutorIdTag, e.ExecutorId))));

    private sealed record ObservedExecutor(string ExecutorId, Func<int> InFlight, QueueDepthSampler QueueDepth);

    private sealed class Membership(ObservedExecutor observed) : IDisposable
    {
        public void Dispose() => Executors.TryRemove(new KeyValuePair<string, ObservedExecutor>(observed.ExecutorId, observed));
    }
}
