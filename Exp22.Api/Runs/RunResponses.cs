using System.Text.Json;

namespace Exp22.Api.Runs;

/// <summary>The answer to starting or cancelling a run: where to follow it.</summary>
public sealed record RunAccepted(Guid RunId, string Status, string StatusUrl);

/// <param name="StepsTotal">Null when the workflow does not say how many steps it will run.</param>
public sealed record RunProgress(int StepsDone, int? StepsTotal);

/// <summary>
/// Crash recoveries: how many times the workflow was taken over from an executor that died running it;
/// how many of the last ones came in a row without a new checkpoint in between (past
/// <c>Workflows:MaxRecoveryAttempts</c> of those it ends <c>MAX_RECOVERY_EXCEEDED</c>); the last such
/// executor, and when. Null when it never had to be recovered.
/// </summary>
public sealed record RecoveryDetails(int Count, int InARowWithoutProgress, string? LastExecutorId, DateTimeOffset? LastRecoveredAt);

/// <summary><c>GET /runs/{id}</c>: the run, its sub-workflows and their steps.</summary>
public sealed record RunDetails(
    Guid RunId,
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
    RecoveryDetails? Recovery,
    RunProgress Progress,
    IReadOnlyList<StepDetails> Steps,
    IReadOnlyList<SubWorkflowDetails> SubWorkflows);

/// <param name="Index">1-based, in the order the parent started its sub-workflows.</param>
public sealed record SubWorkflowDetails(
    Guid Id,
    int Index,
    string WorkflowName,
    string Status,
    string? ExecutorId,
    int Attempt,
    JsonElement? Output,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    RecoveryDetails? Recovery,
    RunProgress Progress,
    IReadOnlyList<StepDetails> Steps,
    IReadOnlyList<SubWorkflowDetails> SubWorkflows);

/// <summary>A step's checkpoint: only steps that finished (SUCCESS or ERROR) have one.</summary>
/// <param name="Index">1-based, in the order the workflow ran its steps.</param>
/// <param name="ExecutorId">The executor that ran the step; <paramref name="Attempt"/> is its claim of the workflow.</param>
/// <param name="Tries">How many times the step ran inside that attempt (its retries).</param>
public sealed record StepDetails(
    int Index,
    string Name,
    string Status,
    string ExecutorId,
    int Attempt,
    int Tries,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    string? Error,
    JsonElement? Output);

/// <summary><c>GET /runs</c>: runs newest first.</summary>
public sealed record RunList(IReadOnlyList<RunListItem> Runs);

public sealed record RunListItem(
    Guid RunId,
    string WorkflowName,
    string Status,
    string Queue,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    int StepsDone,
    string StatusUrl);

/// <summary><c>GET /runs/{id}/steps</c>: the root workflow's checkpoints in order.</summary>
public sealed record StepList(IReadOnlyList<StepDetails> Steps);

/// <summary>The body of <c>POST /runs/{id}/fork</c>.</summary>
/// <param name="FromStep">1-based, as in <c>GET /runs/{id}/steps</c>: the checkpoints before it are copied.</param>
public sealed record ForkRequest(int FromStep);
