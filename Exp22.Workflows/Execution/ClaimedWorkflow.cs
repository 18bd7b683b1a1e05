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
    TraceContextColumns TraceContext = default);
