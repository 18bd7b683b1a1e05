namespace Exp22.Workflows.Execution;

/// <summary>A step checkpoint waiting for the next group commit; <see cref="Written"/> says whether its fence held.</summary>
internal sealed class PendingCheckpoint(
    ClaimedWorkflow workflow, int seq, string name, string? output, string? error, int tries, DateTimeOffset startedAt,
    CancellationToken cancellationToken)
{
    public ClaimedWorkflow Workflow { get; } = workflow;
    public int Seq { get; } = seq;
    public string Name { get; } = name;
    public string? Output { get; } = output;
    public string? Error { get; } = error;
    public int Tries { get; } = tries;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    private readonly TaskCompletionSource<bool> _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>true once committed; false when the fence refused it; faults when the write failed.</summary>
    public Task<bool> Written => _written.Task;

    public void Complete(bool written) => _written.TrySetResult(written);

    public void Fail(Exception exception) => _written.TrySetException(exception);

    public void Abandon() => _written.TrySetCanceled(CancellationToken);
}
