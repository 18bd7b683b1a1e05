using Exp22.Workflows.Telemetry;

namespace Exp22.Workflows.Execution;

/// <summary>
/// A workflow this executor has claimed. <see cref="ExecutorId"/> and <see cref="Attempt"/> form the
/// fence every write for it carries: once another claim bumps the attempt, those writes match no row.
/// </summary>
internal sealed record ClaimedWorkflow(
    Guid Id,
    Guid RunId,
    Guid? ParentId,
    string Name,
    string Queue,
    string Input,
    string ExecutorId,
    int Attempt,
    DateTime CreatedAt,
    DateTime ClaimedAt,
    TraceContextColumns TraceContext = default,
    CrashRecoveries Recoveries = default);

/// <summary>
/// How many times the workflow was recovered from an executor that died running it: in all, and in a row
/// without a new checkpoint or child in between (what <see cref="WorkflowsOptions.MaxRecoveryAttempts"/>
/// caps); and the last of those executors and when.
/// </summary>
internal readonly record struct CrashRecoveries(int Total, int WithoutProgress, string? LastExecutorId, DateTimeOffset? LastAt);
