using System.Diagnostics.CodeAnalysis;
using Exp22.Workflows.Execution;

namespace Exp22.Workflows.Client;

/// <summary>
/// Wakes readers waiting for a workflow's events when it publishes one (<see cref="Notifications.EventSet"/>).
/// One LISTEN connection serves every waiter of a client, and only while someone waits.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "Each listening source is disposed by its own listen loop when that ends.")]
internal sealed class EventWakeups(NotificationListener listener)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, HashSet<EventWaiter>> _waiters = [];
    private int _count;
    private CancellationTokenSource? _listening;

    /// <summary>Wakes the returned waiter on every event the workflow publishes until it is disposed.</summary>
    public EventWaiter Subscribe(Guid workflowId)
    {
        var waiter = new EventWaiter(this, workflowId);
        lock (_gate)
        {
            if (!_waiters.TryGetValue(workflowId, out var set))
                _waiters[workflowId] = set = [];
            set.Add(waiter);
            if (_count++ == 0)
            {
                var listening = _listening = new CancellationTokenSource();
                // The connection belongs to no one caller: keep it out of their trace and cancellation.
                using (ExecutionContext.SuppressFlow())
                    _ = Task.Run(() => ListenUntilCancelledAsync(listening));
            }
        }

        return waiter;
    }

    internal void Unsubscribe(EventWaiter waiter)
    {
        CancellationTokenSource? stop = null;
        lock (_gate)
        {
            if (!_waiters.TryGetValue(waiter.WorkflowId, out var set) || !set.Remove(waiter))
                return;
            if (set.Count == 0)
                _waiters.Remove(waiter.WorkflowId);
            if (--_count == 0)
                (stop, _listening) = (_listening, null);
        }

        stop?.Cancel();
    }

    private async Task ListenUntilCancelledAsync(CancellationTokenSource listening)
    {
        using (listening)
            await listener.ListenAsync([Notifications.EventSet], OnNotification, listening.Token).ConfigureAwait(false);
    }

    private void OnNotification(string channel, string payload)
    {
        EventWaiter[] woken;
        lock (_gate)
        {
            // An empty payload (a connection that starts to listen) may hide any workflow's event.
            woken = payload.Length == 0
                ? [.. _waiters.Values.SelectMany(set => set)]
                : Guid.TryParse(payload, out var id) && _waiters.TryGetValue(id, out var set) ? [.. set] : [];
        }

        foreach (var waiter in woken)
            waiter.Wake();
    }
}

/// <summary>One reader's wake-ups: arm, read, then wait; a wake-up between the read and the wait is kept.</summary>
internal sealed class EventWaiter(EventWakeups wakeups, Guid workflowId) : IDisposable
{
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Guid WorkflowId => workflowId;

    /// <summary>Forgets the wake-ups so far: call it before each read.</summary>
    public void Arm()
    {
        var signal = Volatile.Read(ref _signal);
        if (signal.Task.IsCompleted)
            Interlocked.CompareExchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), signal);
    }

    /// <summary>Returns when woken since the last <see cref="Arm"/>, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _signal).Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The fallback re-read: a notification can be lost.
        }
    }

    internal void Wake() => Volatile.Read(ref _signal).TrySetResult();

    public void Dispose() => wakeups.Unsubscribe(this);
}
