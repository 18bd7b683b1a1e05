using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Exp22.Workflows.Telemetry;

/// <summary>
/// The engine's ActivitySource and Meter, both named <see cref="Name"/>. Static like Npgsql's and
/// ASP.NET Core's own instruments: listeners subscribe by name, and every engine in the process
/// (tests run several) reports through the same instruments, told apart by their tags.
/// </summary>
public static class WorkflowTelemetry
{
    public const string Name = "Exp22.Workflows";

    internal static readonly ActivitySource Source = new(Name);

    internal static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Enqueued = Meter.CreateCounter<long>(
        "exp22.workflows.enqueued", "{workflow}", "Workflows put on the queue: runs by clients, children by their parents.");

    internal static readonly Counter<long> Claimed = Meter.CreateCounter<long>(
        "exp22.workflows.claimed", "{workflow}", "Claims of workflows by executors, resumptions included.");

    internal static readonly Counter<long> Completed = Meter.CreateCounter<long>(
        "exp22.workflows.completed", "{workflow}", "Workflows that finished with SUCCESS.");

    internal static readonly Counter<long> Failed = Meter.CreateCounter<long>(
        "exp22.workflows.failed", "{workflow}", "Workflows that finished with ERROR.");

    internal static readonly Counter<long> HandedOver = Meter.CreateCounter<long>(
        "exp22.workflows.handed_over", "{workflow}", "Workflows a draining executor put back on the queue.");

    internal static readonly Counter<long> Recovered = Meter.CreateCounter<long>(
        "exp22.workflows.recovered", "{workflow}",
        "Workflows of silent executors (or of this executor's previous process) put back on the queue.");

    internal static readonly Counter<long> RetentionDeleted = Meter.CreateCounter<long>(
        "exp22.workflows.retention.deleted", "{workflow}",
        "Finished workflows (runs and their children) deleted for being older than Workflows:RetentionPeriod.");

    // The SDK's default buckets are meant for milliseconds; these durations are seconds, from a
    // millisecond claim to a drain's 10 s.
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    internal static readonly Histogram<double> StepDuration = Meter.CreateHistogram(
        "exp22.workflows.step.duration", "s", "Time from a step's start to its checkpoint, retries included.",
        tags: null, advice: SecondsBuckets);

    internal static readonly Histogram<double> StartLatency = Meter.CreateHistogram(
        "exp22.workflows.start_latency", "s", "Time from a workflow's enqueue to its first claim.",
        tags: null, advice: SecondsBuckets);

    internal static readonly Histogram<double> DrainDuration = Meter.CreateHistogram(
        "exp22.executor.drain.duration", "s", "Time from the start of an executor's drain to its end.",
        tags: null, advice: SecondsBuckets);

    // Attribute names shared by spans and metrics.
    internal const string WorkflowNameTag = "exp22.workflow.name";
    internal const string WorkflowIdTag = "exp22.workflow.id";
    internal const string ParentIdTag = "exp22.workflow.parent_id";
    internal const string RunIdTag = "exp22.run.id";
    internal const string AttemptTag = "exp22.workflow.attempt";
    internal const string ExecutorIdTag = "exp22.executor.id";
    internal const string StepIndexTag = "exp22.step.index";
    internal const string StepNameTag = "exp22.step.name";
    internal const string StepTriesTag = "exp22.step.tries";
    internal const string OutcomeTag = "exp22.outcome";
    internal const string QueueTag = "exp22.queue";

    /// <summary>The dimensions of the per-workflow instruments: few values each, so few series.</summary>
    internal static TagList WorkflowTags(string name, string queue) => new()
    {
        { WorkflowNameTag, name },
        { QueueTag, queue },
    };

    internal static KeyValuePair<string, object?> ExecutorOf(string executorId) => new(ExecutorIdTag, executorId);
}
