namespace Exp22.Workflows.Client;

/// <summary>
/// A message was sent to a workflow that has finished: nothing would ever receive it, so it was not stored.
/// </summary>
public sealed class WorkflowFinishedException(Guid workflowId, string status)
    : InvalidOperationException($"Workflow {workflowId} has finished ({status}); it receives no more messages.")
{
    public Guid WorkflowId { get; } = workflowId;

    /// <summary>The workflow's terminal status (<see cref="WorkflowStatus"/>).</summary>
    public string Status { get; } = status;
}
