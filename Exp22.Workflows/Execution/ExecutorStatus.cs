namespace Exp22.Workflows.Execution;

/// <summary>A point-in-time view of an executor, served by its <c>/status</c> endpoint.</summary>
public sealed record ExecutorStatus(
    string ExecutorId,
    string State,
    int Concurrency,
    IReadOnlyList<string> Queues,
    DateTimeOffset? DrainStartedAt,
    DateTimeOffset? DrainDeadline,
    IReadOnlyList<InFlightWorkflowStatus> InFlight);

public sealed record InFlightWorkflowStatus(
    Guid WorkflowId,
    Guid RunId,
    Guid? ParentId,
    string Name,
    int Attempt,
    DateTimeOffset ClaimedAt,
    int StepsDone,
    string? CurrentStep);
