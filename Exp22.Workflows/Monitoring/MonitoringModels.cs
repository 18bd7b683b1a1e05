using System.Text.Json;
using Exp22.Workflows.Execution;

namespace Exp22.Workflows.Monitoring;

/// <summary>The fleet at a glance. <paramref name="Now"/> is the database's clock, which every other time here is on.</summary>
/// <param name="Statuses">
/// Every status: ENQUEUED and RUNNING count what is there now; SUCCESS, ERROR and CANCELLED what finished
/// within the window (a count of all history would read the whole table).
/// </param>
public sealed record FleetOverview(
    DateTimeOffset Now,
    TimeSpan Window,
    TimeSpan Bucket,
    IReadOnlyList<StatusCount> Statuses,
    IReadOnlyList<ThroughputPoint> Throughput,
    IReadOnlyList<QueueDepth> Queues);

/// <param name="Runs">Of <paramref name="Workflows"/>, how many are runs (root workflows).</param>
/// <param name="WithinWindow">True for the finished statuses, counted over the window only.</param>
public sealed record StatusCount(string Status, int Workflows, int Runs, bool WithinWindow);

/// <summary>Workflows (any level) first claimed and finished in one bucket starting at <paramref name="Start"/>.</summary>
public sealed record ThroughputPoint(DateTimeOffset Start, int Started, int Succeeded, int Failed, int Cancelled);

/// <param name="Enqueued">Waiting to be claimed.</param>
/// <param name="Running">Held by an executor.</param>
/// <param name="WaitingForChildren">Parents parked until their children finish (RUNNING, holding no executor).</param>
public sealed record QueueDepth(string Queue, int Enqueued, int Running, int WaitingForChildren);

/// <param name="IdPrefix">Matches runs whose id, or the id of any workflow in them, starts with it.</param>
/// <param name="From">Runs created at or after this time.</param>
/// <param name="To">Runs created before this time.</param>
/// <param name="Queue">Runs whose root workflow was enqueued on this queue.</param>
public sealed record RunFilter(
    string? Status = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    UuidPrefix? IdPrefix = null,
    int Limit = 50,
    string? Queue = null);

public sealed record RunListing(DateTimeOffset Now, IReadOnlyList<RunSummaryRow> Runs);

/// <summary>A run, newest first in a listing, with what its progress can be told from.</summary>
/// <param name="Workflows">Workflows in the run so far, the root included.</param>
/// <param name="WorkflowsFinished">Of those, how many have finished.</param>
public sealed record RunSummaryRow(
    Guid RunId,
    string WorkflowName,
    string Status,
    string Queue,
    JsonElement Input,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    int StepsDone,
    int Workflows,
    int WorkflowsFinished);

/// <param name="TraceId">The run's trace, from the trace context stored when it was enqueued.</param>
public sealed record RunTree(DateTimeOffset Now, string? TraceId, WorkflowView Root);

/// <summary>One workflow of a run, with its steps, the attempts that were interrupted, and its children.</summary>
/// <param name="ChildIndex">1-based among its parent's children, in the order they were started; null for the run.</param>
/// <param name="ExecutorId">The executor of the latest attempt (null while queued or parked).</param>
/// <param name="ErrorDetail">The whole exception when it failed: type, message, stack trace, inner exceptions.</param>
public sealed record WorkflowView(
    Guid Id,
    Guid? ParentId,
    int? ChildIndex,
    string WorkflowName,
    string Status,
    string Queue,
    string? ExecutorId,
    int Attempt,
    string? ApplicationVersion,
    JsonElement Input,
    JsonElement? Output,
    string? Error,
    string? ErrorDetail,
    bool WaitingForChildren,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? ClaimedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<StepView> Steps,
    IReadOnlyList<HandoverView> Handovers,
    IReadOnlyList<WorkflowView> Children)
{
    public int StepsDoneInTree => Steps.Count + Children.Sum(c => c.StepsDoneInTree);
}

/// <summary>A step's checkpoint (only finished steps have one).</summary>
/// <param name="Index">1-based, in the order the workflow ran its steps.</param>
/// <param name="Attempt">The claim of the workflow it ran in; <paramref name="Tries"/> counts its retries within it.</param>
public sealed record StepView(
    int Index,
    string Name,
    string Status,
    string ExecutorId,
    int Attempt,
    int Tries,
    JsonElement? Output,
    string? Error,
    string? ErrorDetail,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt);

/// <summary>
/// Where a workflow changed hands: attempt <c>Attempt - 1</c> on <paramref name="FromExecutor"/> ended at
/// <paramref name="At"/> for <paramref name="Reason"/> (see <see cref="InterruptionReasons"/>), and attempt
/// <paramref name="Attempt"/> ran on <paramref name="ToExecutor"/> (null while nobody has resumed it).
/// </summary>
public sealed record HandoverView(int Attempt, string Reason, string FromExecutor, string? ToExecutor, DateTimeOffset At);

public sealed record FleetExecutors(DateTimeOffset Now, IReadOnlyList<ExecutorView> Executors);

/// <summary>An executor as its last heartbeat described it, judged on the database's clock.</summary>
/// <param name="State"><see cref="MonitoredExecutorStates"/>: starting, running, draining or gone.</param>
/// <param name="GoneBecause">For a gone executor: <c>left</c> (it drained and deregistered) or <c>silent</c> (no heartbeat within its timeout).</param>
/// <param name="WorkflowsHeld">RUNNING workflows the database says it holds now (a gone executor's await recovery).</param>
/// <param name="InFlight">Its workflows in flight at its last heartbeat, with their current step; at most
/// <see cref="ExecutorHeartbeat.InFlightShown"/> of <paramref name="InFlightCount"/>.</param>
public sealed record ExecutorView(
    string ExecutorId,
    string ApplicationVersion,
    string State,
    string? GoneBecause,
    DateTimeOffset StartedAt,
    DateTimeOffset HeartbeatAt,
    TimeSpan HeartbeatTimeout,
    int? Concurrency,
    IReadOnlyList<string> Queues,
    DateTimeOffset? DrainStartedAt,
    DateTimeOffset? DrainDeadline,
    DateTimeOffset? StoppedAt,
    int WorkflowsHeld,
    int InFlightCount,
    IReadOnlyList<InFlightWorkflowStatus> InFlight);

public static class MonitoredExecutorStates
{
    public const string Starting = ExecutorStates.Starting;
    public const string Running = ExecutorStates.Running;
    public const string Draining = ExecutorStates.Draining;
    public const string Gone = "gone";

    public const string Left = "left";
    public const string Silent = "silent";
}

/// <param name="Latest">The version an enqueue without one gets now; null while no executor has registered.</param>
public sealed record FleetVersions(string? Latest, IReadOnlyList<VersionView> Versions);

/// <summary>An application version with live executors or unfinished work.</summary>
/// <param name="ApplicationVersion">Null: unpinned work (enqueued before any executor registered), which the next heartbeat adopts.</param>
/// <param name="Latest">An enqueue without a version gets this one now.</param>
/// <param name="Executors">Its live executors that claim (running); <paramref name="DrainingExecutors"/> are on their way out.</param>
/// <param name="Queued">Its ENQUEUED workflows (delayed and sleeping ones too).</param>
/// <param name="Running">Its RUNNING workflows: claimed, parked for children, or held by a dead executor until recovered.</param>
/// <param name="Stranded">Unfinished work and no live executor of this version to claim it: it waits until one starts.</param>
public sealed record VersionView(
    string? ApplicationVersion,
    bool Latest,
    IReadOnlyList<string> Executors,
    IReadOnlyList<string> DrainingExecutors,
    int Queued,
    int Running,
    bool Stranded);

/// <summary>Every queue that is defined, holds live work, or is claimed by a live executor, by name.</summary>
public sealed record QueueOverview(DateTimeOffset Now, IReadOnlyList<QueueView> Queues);

/// <summary>A queue's limits as the claims read them from <c>exp22.queues</c> (see <see cref="QueueDefinition"/>); a null limit is no limit.</summary>
public sealed record QueueLimits(int? GlobalConcurrency, int? ExecutorConcurrency, int? RateLimit, TimeSpan? RatePeriod, bool Partitioned);

/// <param name="Limits">Null when no executor declared limits for the queue: it is unlimited.</param>
/// <param name="ClaimedByLiveExecutor">A live executor lists the queue among those it claims from.</param>
/// <param name="WaitingForChildren">Parents parked until their children finish (RUNNING, holding no executor, no slot).</param>
/// <param name="StartsInRatePeriod">First starts within the last rate period (all partitions); null without a rate limit.</param>
/// <param name="OldestDueAge">How long the longest-waiting due workflow has waited since it was enqueued, became due or was
/// last claimed (work put back by a handover, a recovery or a wake-up counts from its last claim); null when none is due.</param>
/// <param name="Partitions">For a partitioned queue, how many partitions have live work or starts within the period.</param>
/// <param name="TopPartitions">The deepest of them (due + delayed + running), at most the number asked for.</param>
public sealed record QueueView(
    string Queue,
    QueueLimits? Limits,
    bool ClaimedByLiveExecutor,
    QueueCounts Depth,
    int WaitingForChildren,
    int? StartsInRatePeriod,
    TimeSpan? OldestDueAge,
    int Partitions,
    IReadOnlyList<PartitionView> TopPartitions);

/// <summary>Workflows of any level, not only runs.</summary>
/// <param name="Enqueued">ENQUEUED and due now: claimable as soon as the limits allow.</param>
/// <param name="Delayed">ENQUEUED with a <c>not_before</c> still ahead (a delayed enqueue, a schedule's tick, a durable sleep).</param>
/// <param name="Running">RUNNING on an executor: what the global concurrency counts.</param>
public sealed record QueueCounts(int Enqueued, int Delayed, int Running);

/// <param name="PartitionKey">Null for the workflows enqueued without a key, which share one partition.</param>
/// <param name="StartsInRatePeriod">First starts of this partition within the last rate period; null without a rate limit.</param>
public sealed record PartitionView(string? PartitionKey, QueueCounts Depth, int? StartsInRatePeriod);
