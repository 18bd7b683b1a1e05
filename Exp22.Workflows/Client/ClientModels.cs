using System.Text.Json;

namespace Exp22.Workflows.Client;

/// <param name="Timeout">The run must be over this long after it is enqueued, or it ends CANCELLED with its descendants.</param>
/// <param name="Deadline">The same as an absolute time; with both, the earlier applies.</param>
/// <param name="PartitionKey">The key a partitioned queue's limits apply to.</param>
/// <param name="NotBefore">Not claimed before this time; with <paramref name="Delay"/>, the later of the two.</param>
/// <param name="Delay">Not claimed before this long after the enqueue, on the database's clock.</param>
/// <param name="ApplicationVersion">
/// Only executors of this application version run it (and its children); null: the latest registered version
/// (docs/queues-and-schedules.md#application-versions).
/// </param>
public sealed record EnqueueRequest(
    string WorkflowName,
    string InputJson,
    string Queue = WorkflowQueues.Default,
    int Priority = 0,
    string? IdempotencyKey = null,
    TimeSpan? Timeout = null,
    DateTimeOffset? Deadline = null,
    string? PartitionKey = null,
    DateTimeOffset? NotBefore = null,
    TimeSpan? Delay = null,
    string? ApplicationVersion = null);

/// <param name="Created">false when an earlier request with the same idempotency key created the run.</param>
/// <param name="ApplicationVersion">The version that must run it; null while no executor has ever registered (the first to beat adopts it).</param>
public sealed record EnqueuedRun(Guid RunId, string Status, bool Created, DateTimeOffset CreatedAt, string? ApplicationVersion = null);

public sealed record RunQuery(string? Status = null, int Limit = 50);

public sealed record RunSummary(
    Guid RunId,
    string WorkflowName,
    string Status,
    string Queue,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    int StepsDone);

/// <summary>A workflow with its steps and children: the whole run when taken from the root.</summary>
/// <param name="Recoveries">How many times it was recovered from an executor that died running it.</param>
/// <param name="RecoveriesWithoutProgress">Of those, the last ones in a row with no new checkpoint or child in between (what the cap counts).</param>
/// <param name="LastRecoveredFrom">The executor of the last such crash, and <paramref name="LastRecoveredAt"/> when it was recovered.</param>
public sealed record WorkflowNode(
    Guid Id,
    Guid? ParentId,
    int? ChildIndex,
    string WorkflowName,
    string Status,
    string Queue,
    string? ExecutorId,
    int Attempt,
    JsonElement Input,
    JsonElement? Output,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    int Recoveries,
    int RecoveriesWithoutProgress,
    string? LastRecoveredFrom,
    DateTimeOffset? LastRecoveredAt,
    IReadOnlyList<StepNode> Steps,
    IReadOnlyList<WorkflowNode> Children)
{
    public int StepsDoneInTree => Steps.Count + Children.Sum(c => c.StepsDoneInTree);
}

public sealed record StepNode(
    int Index,
    string Name,
    string Status,
    string ExecutorId,
    int Attempt,
    int Tries,
    JsonElement? Output,
    string? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt);

public enum CancelOutcome
{
    Cancelled,
    NotFound,
    AlreadyFinished,
}

public enum SendOutcome
{
    Sent,
    NotFound,

    /// <summary>A message with the same idempotency key was sent to this workflow before; this one was dropped.</summary>
    Duplicate,
}

/// <summary>The latest value a workflow published for an event, and when.</summary>
public sealed record WorkflowEvent<T>(string Key, T Value, DateTimeOffset UpdatedAt);

public enum ResumeOutcome
{
    Resumed,
    NotFound,

    /// <summary>It is enqueued, running or succeeded: there is nothing to resume.</summary>
    NotResumable,
}

/// <param name="CopiedSteps">How many checkpoints of the source the new run starts with.</param>
public sealed record ForkedRun(Guid RunId, Guid ForkedFrom, int CopiedSteps, DateTimeOffset CreatedAt);
