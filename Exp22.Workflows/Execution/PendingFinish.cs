namespace Exp22.Workflows.Execution;

/// <summary>A workflow's final status waiting for the next group commit.</summary>
internal sealed class PendingFinish(
    ClaimedWorkflow workflow, string status, string? output, Failure? failure, CancellationToken cancellationToken)
    : PendingWrite(cancellationToken)
{
    public ClaimedWorkflow Workflow { get; } = workflow;
    public string Status { get; } = status;
    public string? Output { get; } = output;
    public string? Error { get; } = failure?.Summary;
    public string? ErrorDetail { get; } = failure?.Detail;
}
