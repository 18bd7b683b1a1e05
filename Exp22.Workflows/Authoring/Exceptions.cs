namespace Exp22.Workflows;

/// <summary>A step that failed after its last retry; on replay the stored error is thrown again.</summary>
public sealed class StepFailedException(string stepName, string error)
    : Exception($"Step '{stepName}' failed: {error}")
{
    public string StepName { get; } = stepName;
    public string Error { get; } = error;
}

/// <summary>Thrown to a parent that awaits a child which ended in ERROR or CANCELLED.</summary>
public sealed class ChildWorkflowFailedException(Guid childId, string workflowName, string status, string? error)
    : Exception($"Child workflow '{workflowName}' ({childId}) ended {status}: {error}")
{
    public Guid ChildId { get; } = childId;
    public string Status { get; } = status;
    public string? Error { get; } = error;
}

/// <summary>
/// Replay met a different durable operation at a position than history recorded: the workflow code
/// is not deterministic (or changed between versions), and continuing would mix two histories.
/// </summary>
public sealed class NonDeterministicWorkflowException(string message) : Exception(message);

/// <summary>
/// The executor no longer owns this workflow (handed over, recovered by a survivor, or cancelled):
/// its write was refused and the execution stops without touching anything.
/// </summary>
public sealed class WorkflowFencedException(Guid workflowId, string operation)
    : Exception($"Workflow {workflowId} is no longer owned by this executor; {operation} was refused.")
{
    public Guid WorkflowId { get; } = workflowId;
}
