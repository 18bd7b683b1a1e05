namespace Exp22.Workflows.Execution;

/// <summary>A step checkpoint waiting for the next group commit.</summary>
internal sealed class PendingCheckpoint(
    ClaimedWorkflow workflow, int seq, string name, string? output, Failure? failure, int tries, DateTimeOffset startedAt,
    CancellationToken cancellationToken) : PendingWrite(cancellationToken)
{
    public ClaimedWorkflow Workflow { get; } = workflow;
    public int Seq { get; } = seq;
    public string Name { get; } = name;
    public string? Output { get; } = output;
    public string? Error { get; } = failure?.Summary;
    public string? ErrorDetail { get; } = failure?.Detail;
    public int Tries { get; } = tries;
    public DateTimeOffset StartedAt { get; } = startedAt;
}
