namespace Exp22.Workflows.Execution;

/// <summary>
/// Raised when workflow code awaits something that is not there yet: children that have not finished,
/// a time that has not come, a message not yet sent. The runner then parks the workflow (its slot is
/// freed) and abandons this execution; whatever it waits for puts it back on the queue (the last child
/// to finish, the claim once the time has come, a send to the topic), and the next execution replays
/// up to the await and gets the result.
/// </summary>
internal sealed class Suspension
{
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<Guid> _waitingFor = [];
    private DateTimeOffset? _wakeAt;
    private string? _topic;

    public Task Requested => _requested.Task;

    public Guid[] WaitingFor
    {
        get { lock (_waitingFor) return [.. _waitingFor]; }
    }

    /// <summary>When the workflow is claimable again by time alone, if it waits for a time.</summary>
    public DateTimeOffset? WakeAt
    {
        get { lock (_waitingFor) return _wakeAt; }
    }

    /// <summary>The topic whose next message wakes the workflow, if it waits for one.</summary>
    public string? Topic
    {
        get { lock (_waitingFor) return _topic; }
    }

    /// <summary>Returns a task that never completes: the code after the await runs in a later execution.</summary>
    public Task<T> Suspend<T>(IEnumerable<Guid> children)
    {
        lock (_waitingFor) _waitingFor.UnionWith(children);
        _requested.TrySetResult();
        return new TaskCompletionSource<T>().Task;
    }

    /// <summary>Parks until <paramref name="wakeAt"/>, or until a message on <paramref name="topic"/> if one is given.</summary>
    public Task<T> SuspendUntil<T>(DateTimeOffset wakeAt, string? topic = null)
    {
        lock (_waitingFor)
        {
            if (_wakeAt is null || wakeAt < _wakeAt)
                _wakeAt = wakeAt;
            _topic ??= topic;
        }

        _requested.TrySetResult();
        return new TaskCompletionSource<T>().Task;
    }
}
