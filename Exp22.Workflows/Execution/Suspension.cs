namespace Exp22.Workflows.Execution;

/// <summary>
/// Raised when workflow code awaits children that have not finished. The runner then parks the
/// workflow (its slot is freed) and abandons this execution; the last child to finish puts the
/// parent back on the queue, and the next execution replays up to the await and gets the results.
/// </summary>
internal sealed class Suspension
{
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<Guid> _waitingFor = [];

    public Task Requested => _requested.Task;

    public Guid[] WaitingFor
    {
        get { lock (_waitingFor) return [.. _waitingFor]; }
    }

    /// <summary>Returns a task that never completes: the code after the await runs in a later execution.</summary>
    public Task<T> Suspend<T>(IEnumerable<Guid> children)
    {
        lock (_waitingFor) _waitingFor.UnionWith(children);
        _requested.TrySetResult();
        return new TaskCompletionSource<T>().Task;
    }
}
