using System.Collections.Concurrent;
using Exp22.Workflows.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The executor's lifecycle: claim workflows into free slots, run them, heartbeat, recover the work of
/// dead executors; and on stop, drain: claim nothing new, give in-flight workflows up to
/// <see cref="WorkflowsOptions.WorkflowCompletionTimeout"/>, then hand the rest back in one statement
/// (<see cref="WorkflowsOptions.HandoverTimeout"/>) and deregister (<see cref="WorkflowsOptions.LeaveTimeout"/>).
/// The drain runs in <see cref="StoppingAsync"/>, before any hosted service stops, so that a web server
/// in the same host keeps answering health and status requests while the executor drains.
/// </summary>
public sealed class WorkflowExecutor : IHostedLifecycleService, IAsyncDisposable
{
    private static readonly TimeSpan FirstClaimRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxClaimRetry = TimeSpan.FromSeconds(5);

    private readonly WorkflowsOptions _options;
    private readonly string[] _queues;
    private readonly string[] _workflowNames;
    private readonly QueueClaims _claims;
    private readonly LimitedQueueClaims _limitedClaims;
    private readonly QueueDefinitionStore _definitions;
    private readonly Handover _handover;
    private readonly Release _release;
    private readonly ExecutorHeartbeat _heartbeat;
    private readonly NotificationListener _listener;
    private readonly WorkflowRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkflowExecutor> _logger;
    private readonly WakeSignal _wake;
    private readonly SuspectProbation _probation;
    private readonly ConcurrentDictionary<Guid, InFlightWorkflow> _inFlight = new();
    private readonly ConcurrentQueue<ClaimedWorkflow> _toRelease = new();
    private readonly CancellationTokenSource _stopClaiming = new();

    // The timestamp at which this executor's beats began to fail, 0 while they work: the next beat tells
    // the database, which then holds this executor's recoveries for a heartbeat timeout (ExecutorHeartbeat).
    // Interlocked: the drain's first beat may run beside the heartbeat loop's.
    private long _beatsFailingSince;
    private readonly CancellationTokenSource _shutdown = new();
    private string[] _plainQueues;
    private Dictionary<string, QueueDefinition> _separateQueues = [];
    private Task _claimLoop = Task.CompletedTask;
    private Task _heartbeatLoop = Task.CompletedTask;
    private Task _listenLoop = Task.CompletedTask;
    private volatile string _state = ExecutorStates.Starting;
    private volatile bool _queueMayHoldWork = true;
    private DateTimeOffset? _drainStartedAt;
    private Task? _drain;

    internal WorkflowExecutor(
        IOptions<WorkflowsOptions> options,
        WorkflowRegistry registry,
        QueueClaims claims,
        LimitedQueueClaims limitedClaims,
        QueueDefinitionStore definitions,
        Handover handover,
        Release release,
        ExecutorHeartbeat heartbeat,
        NotificationListener listener,
        WorkflowRunner runner,
        TimeProvider time,
        ILogger<WorkflowExecutor> logger)
    {
        _options = options.Value;
        _queues = _options.EffectiveQueues;
        _workflowNames = [.. registry.Names];
        _claims = claims;
        _limitedClaims = limitedClaims;
        _definitions = definitions;
        _plainQueues = _queues;
        _handover = handover;
        _release = release;
        _heartbeat = heartbeat;
        _listener = listener;
        _runner = runner;
        _time = time;
        _logger = logger;
        _wake = new WakeSignal(time);
        _probation = new SuspectProbation(time);
    }

    public string ExecutorId => _options.ExecutorId;

    public string State => _state;

    internal int InFlightCount => _inFlight.Count;

    public ExecutorStatus GetStatus() => new(
        _options.ExecutorId,
        _state,
        _options.Concurrency,
        _queues,
        _drainStartedAt,
        _drainStartedAt + _options.WorkflowCompletionTimeout,
        [.. _inFlight.Values.Select(f => f.ToStatus()).OrderBy(s => s.ClaimedAt)]);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A previous process with this id died holding work: nobody else runs it, so take it back now
        // rather than waiting for the heartbeat timeout.
        var leftBehind = await _handover.TakeBackAsync(_options.ExecutorId, cancellationToken).ConfigureAwait(false);
        WorkflowTelemetry.Recovered.Add(leftBehind, WorkflowTelemetry.ExecutorOf(_options.ExecutorId));
        if (leftBehind > 0)
            _logger.TookBack(_options.ExecutorId, leftBehind);

        await LoadQueueDefinitionsAsync(cancellationToken).ConfigureAwait(false);
        await _heartbeat.BeatAsync(BeatOf(ExecutorStates.Running, starting: true), cancellationToken).ConfigureAwait(false);
        _state = ExecutorStates.Running;

        _listenLoop = _listener.ListenAsync(OnNotification, _shutdown.Token);
        _heartbeatLoop = HeartbeatLoopAsync(_shutdown.Token);
        _claimLoop = ClaimLoopAsync(_stopClaiming.Token);
        _logger.Started(_options.ExecutorId, _options.Concurrency, _queues, _workflowNames);
    }

    /// <summary>
    /// Declares this process's queue definitions, then claims by what the table holds for its queues, so a
    /// limit declared by any process binds every executor. Queues with a limit of their own are claimed
    /// one by one; the rest together, by the plain claim.
    /// </summary>
    private async Task LoadQueueDefinitionsAsync(CancellationToken cancellationToken)
    {
        await _definitions.SaveAsync(_options.QueueDefinitions, cancellationToken).ConfigureAwait(false);
        var defined = await _definitions.ReadAsync(_queues, cancellationToken).ConfigureAwait(false);
        _separateQueues = defined
            .Where(d => d.Value.IsFleetLimited || d.Value.ExecutorConcurrency is not null)
            .ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
        _plainQueues = [.. _queues.Where(q => !_separateQueues.ContainsKey(q))];
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => StopAsync(cancellationToken);

    /// <summary>Drains once; later calls wait for the same drain.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_inFlight)
            return _drain ??= _state == ExecutorStates.Running ? DrainAsync(cancellationToken) : Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Three phases, each with a deadline of its own that does not rely on the database honouring
    // cancellation (a connection attempt to a server that accepts but never answers ignores it): a wait
    // that runs out is abandoned, so the drain ends within the sum of the three timeouts whatever the
    // database does. AddExecutor declares that sum to the host's shutdown budget.
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var drainStart = _time.GetTimestamp();
        _drainStartedAt = _time.GetUtcNow();
        _state = ExecutorStates.Draining;
        await CompleteInFlightAsync(cancellationToken).ConfigureAwait(false);

        var remaining = _inFlight.Values.ToArray();
        if (remaining.Length > 0 || !_toRelease.IsEmpty)
            await HandOverAsync(remaining).ConfigureAwait(false);

        await LeaveAsync().ConfigureAwait(false);

        _state = ExecutorStates.Stopped;
        var drainSeconds = _time.GetElapsedTime(drainStart).TotalSeconds;
        WorkflowTelemetry.DrainDuration.Record(drainSeconds, WorkflowTelemetry.ExecutorOf(_options.ExecutorId));
        _logger.DrainComplete(_options.ExecutorId, drainSeconds);
    }

    /// <summary>Stops claiming and waits for the workflows in flight, up to the completion timeout in all.</summary>
    private async Task CompleteInFlightAsync(CancellationToken hostStopping)
    {
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_options.WorkflowCompletionTimeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, hostStopping);
        await _stopClaiming.CancelAsync().ConfigureAwait(false);
        // A claim stuck on the database must not hold the drain: what it claims after this is in flight
        // by the time of the handover, or still held by this executor's id for the survivors.
        await _claimLoop.WaitAsync(deadline.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var inFlight = _inFlight.Values.ToArray();
        _logger.DrainStarted(_options.ExecutorId, inFlight.Length, _options.WorkflowCompletionTimeout.TotalSeconds);
        _ = BeatOnceAsync(ExecutorStates.Draining, CancellationToken.None);

        await Task.WhenAll(inFlight.Select(f => f.Execution))
            .WaitAsync(deadline.Token)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var waited = _time.GetElapsedTime(started).TotalSeconds;
        var remaining = _inFlight.Count;
        _logger.DrainWaited(inFlight.Length - remaining, waited, remaining);
    }

    /// <summary>Hands back what is left and stops its local executions, up to the handover timeout in all.</summary>
    private async Task HandOverAsync(InFlightWorkflow[] remaining)
    {
        using var deadline = new CancellationTokenSource(_options.HandoverTimeout, _time);
        // Hand back first, then stop the local executions: a step finishing in between is either
        // checkpointed before the handover commits, or refused by the fence after it.
        try
        {
            var handed = await _handover.HandOverAsync(_options.ExecutorId, deadline.Token)
                .WaitAsync(deadline.Token).ConfigureAwait(false);
            _toRelease.Clear();
            WorkflowTelemetry.HandedOver.Add(handed, WorkflowTelemetry.ExecutorOf(_options.ExecutorId));
            foreach (var flight in remaining)
                WorkflowSpans.MarkHandedOver(flight.Activity, _options.ExecutorId);
            _logger.HandedOver(handed);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            _logger.HandoverTimedOut(remaining.Length + _toRelease.Count, WorkflowsOptions.HandoverTimeoutKey,
                _options.HandoverTimeout.TotalSeconds, Describe(remaining), _options.ExecutorId, _options.HeartbeatTimeout.TotalSeconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.HandoverFailed(e, remaining.Length + _toRelease.Count, Describe(remaining), _options.ExecutorId,
                _options.HeartbeatTimeout.TotalSeconds);
        }

        foreach (var flight in remaining)
            await flight.Cancellation.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(remaining.Select(f => f.Execution))
            .WaitAsync(deadline.Token)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>The workflows this executor still holds, for a log line: in flight, then awaiting release.</summary>
    private string Describe(InFlightWorkflow[] remaining) => string.Join(", ",
        remaining.Select(f => f.Workflow).Concat(_toRelease).Select(w => $"{w.Id} ({w.Name}, run {w.RunId})"));

    /// <summary>Stops the heartbeat and the listener and deletes this executor's row, up to the leave timeout in all.</summary>
    private async Task LeaveAsync()
    {
        using var deadline = new CancellationTokenSource(_options.LeaveTimeout, _time);
        await _shutdown.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_heartbeatLoop, _listenLoop)
            .WaitAsync(deadline.Token)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await _heartbeat.LeaveAsync(_options.ExecutorId, deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            _logger.LeaveTimedOut(_options.ExecutorId, WorkflowsOptions.LeaveTimeoutKey, _options.LeaveTimeout.TotalSeconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LeaveFailed(e, _options.ExecutorId);
        }
    }

    /// <summary>
    /// Simulates the process dying: every loop and execution stops at once, nothing is handed back and
    /// the executor's row is left to go stale, exactly what survivors see after a SIGKILL.
    /// </summary>
    internal async Task AbandonAsync()
    {
        lock (_inFlight)
            _drain ??= Task.CompletedTask;
        _state = ExecutorStates.Stopped;
        await _stopClaiming.CancelAsync().ConfigureAwait(false);
        await _shutdown.CancelAsync().ConfigureAwait(false);
        foreach (var flight in _inFlight.Values)
            await flight.Cancellation.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll([_claimLoop, _heartbeatLoop, _listenLoop, .. _inFlight.Values.Select(f => f.Execution)])
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ClaimLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var free = _options.Concurrency - _inFlight.Count;
            if (free > 0 && _queueMayHoldWork)
            {
                try
                {
                    _queueMayHoldWork = await ClaimIntoFreeSlotsAsync(free, cancellationToken).ConfigureAwait(false);
                    if (failures > 0)
                    {
                        _logger.ClaimsAgain(_options.ExecutorId, failures);
                        failures = 0;
                    }

                    if (_queueMayHoldWork)
                        continue;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The database is away or refusing: retry with a growing pause instead of once per
                    // wake-up (every freed slot is one), and say so once rather than at every attempt.
                    failures++;
                    var pause = TimeSpan.FromTicks(Math.Min(FirstClaimRetry.Ticks << Math.Min(failures - 1, 10), MaxClaimRetry.Ticks));
                    if (failures == 1)
                        _logger.ClaimFailed(e, _options.ExecutorId, e.Message, MaxClaimRetry.TotalSeconds);
                    else
                        _logger.ClaimFailedAgain(e, _options.ExecutorId, failures, e.Message);
                    if (!await PauseAsync(pause, cancellationToken).ConfigureAwait(false))
                        return;
                    continue;
                }
            }

            try
            {
                // The polling fallback claims even without a signal, in case a notification was lost.
                if (!await _wake.WaitAsync(_options.PollingInterval, cancellationToken).ConfigureAwait(false))
                    _queueMayHoldWork = true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One round of claims: each queue with limits of its own within them, then the other queues together.
    /// </summary>
    /// <returns>Whether some claim filled all the room it had, which suggests more is waiting.</returns>
    private async Task<bool> ClaimIntoFreeSlotsAsync(int free, CancellationToken cancellationToken)
    {
        var mayHoldMore = false;
        foreach (var (queue, definition) in _separateQueues)
        {
            var room = Math.Min(free, (definition.ExecutorConcurrency ?? int.MaxValue) - InFlightOn(queue));
            if (room <= 0)
                continue;
            var claimed = definition.IsFleetLimited
                ? await _limitedClaims.ClaimAsync(_options.ExecutorId, _options.ApplicationVersion, queue, _workflowNames, room,
                    cancellationToken, _probation.SuspectsToClaim).ConfigureAwait(false)
                : await _claims.ClaimAsync(_options.ExecutorId, _options.ApplicationVersion, [queue], _workflowNames, room,
                    cancellationToken, _probation.SuspectsToClaim).ConfigureAwait(false);
            LaunchAll(claimed);
            free -= claimed.Count;
            mayHoldMore |= claimed.Count == room;
        }

        if (free > 0 && _plainQueues.Length > 0)
        {
            var claimed = await _claims.ClaimAsync(
                _options.ExecutorId, _options.ApplicationVersion, _plainQueues, _workflowNames, free,
                cancellationToken, _probation.SuspectsToClaim).ConfigureAwait(false);
            LaunchAll(claimed);
            mayHoldMore |= claimed.Count == free;
        }

        return mayHoldMore;
    }

    private void LaunchAll(List<ClaimedWorkflow> claimed)
    {
        foreach (var workflow in claimed)
        {
            var flight = Launch(workflow);
            if (SuspectProbation.IsSuspect(workflow))
                _probation.Admit(flight);
        }
    }

    private int InFlightOn(string queue) => _inFlight.Values.Count(f => f.Workflow.Queue == queue);

    /// <summary>
    /// Waits out a retry pause; a wake-up cuts it short, notably the listener's reconnection, which
    /// signals as soon as the database is back.
    /// </summary>
    /// <returns>false when the executor stopped claiming meanwhile.</returns>
    private async Task<bool> PauseAsync(TimeSpan pause, CancellationToken cancellationToken)
    {
        try
        {
            await _wake.WaitAsync(pause, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private InFlightWorkflow Launch(ClaimedWorkflow workflow)
    {
        var flight = new InFlightWorkflow(workflow);
        _inFlight[workflow.Id] = flight;
        flight.Execution = Task.Run(async () =>
        {
            try
            {
                var end = await _runner.RunAsync(flight).ConfigureAwait(false);
                if (end == ExecutionEnd.InfrastructureFailure)
                    _toRelease.Enqueue(workflow);
                else if (end == ExecutionEnd.Parked && flight.ParkedUntil is { } wakeAt)
                    _ = ClaimAtAsync(wakeAt);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The workflow is still RUNNING under this executor's claim: left alone, it would wait for
                // a heartbeat timeout that never comes while this executor lives.
                _logger.FailedOutsideItsCode(e, workflow.Id, workflow.Name, e.Message);
                _toRelease.Enqueue(workflow);
            }
            finally
            {
                _inFlight.TryRemove(workflow.Id, out _);
                // A slot of a limited queue freed here may be the one its budget was waiting for.
                if (_separateQueues.ContainsKey(workflow.Queue))
                    _queueMayHoldWork = true;
                _wake.Set();
            }
        });
        return flight;
    }

    /// <summary>
    /// Claims again when a workflow this executor parked comes due, rather than at the next poll. Only for
    /// near wake-ups: polling covers the rest, and by then any executor may be the one alive.
    /// </summary>
    private async Task ClaimAtAsync(DateTimeOffset wakeAt)
    {
        // A timer may fire a little early, and the claim judges on the database clock: a claim a moment
        // too soon finds nothing and would leave the workflow to the next poll.
        var delay = wakeAt - _time.GetUtcNow() + LocalWakeMargin;
        if (delay > MaxLocalWakeDelay)
            return;
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _time, _stopClaiming.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        _queueMayHoldWork = true;
        _wake.Set();
    }

    private static readonly TimeSpan MaxLocalWakeDelay = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LocalWakeMargin = TimeSpan.FromMilliseconds(20);

    private void OnNotification(string channel, string payload)
    {
        if (channel == Notifications.Enqueued && (payload.Length == 0 || _queues.Contains(payload)))
        {
            _queueMayHoldWork = true;
            _wake.Set();
        }
        else if (channel == Notifications.Cancelled && Guid.TryParse(payload, out var id)
                 && _inFlight.TryGetValue(id, out var flight))
        {
            _logger.CancelledWhileRunning(id);
            _ = flight.Cancellation.CancelAsync();
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await BeatOnceAsync(_state, cancellationToken).ConfigureAwait(false);
                await ReleaseInterruptedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task BeatOnceAsync(string state, CancellationToken cancellationToken = default)
    {
        try
        {
            var failingSince = Interlocked.Read(ref _beatsFailingSince);
            var recovered = await _heartbeat.BeatAsync(BeatOf(state, afterFailedBeat: failingSince != 0), cancellationToken).ConfigureAwait(false);
            WorkflowTelemetry.Recovered.Add(recovered, WorkflowTelemetry.ExecutorOf(_options.ExecutorId));
            if (failingSince != 0 && Interlocked.CompareExchange(ref _beatsFailingSince, 0, failingSince) == failingSince)
            {
                var outage = _time.GetElapsedTime(failingSince);
                _logger.HeartbeatRestored(_options.ExecutorId, outage.TotalSeconds, _options.HeartbeatTimeout.TotalSeconds);
            }

            if (recovered > 0)
            {
                _logger.RecoveredOthers(_options.ExecutorId, recovered, _options.HeartbeatTimeout.TotalSeconds);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            if (Interlocked.CompareExchange(ref _beatsFailingSince, Math.Max(1, _time.GetTimestamp()), 0) == 0)
            {
                _logger.HeartbeatFailed(e, _options.ExecutorId, e.Message, _options.HeartbeatInterval.TotalSeconds);
            }
            else
            {
                _logger.HeartbeatFailedAgain(e, _options.ExecutorId, e.Message);
            }
        }
    }

    private ExecutorBeat BeatOf(string state, bool starting = false, bool afterFailedBeat = false)
    {
        var inFlight = _inFlight.Values.Select(f => f.ToStatus()).OrderBy(s => s.ClaimedAt).ToList();
        return new ExecutorBeat(
            _options.ExecutorId, _options.ApplicationVersion, state, _options.Concurrency, _queues,
            _options.HeartbeatTimeout, _options.WorkflowCompletionTimeout,
            _drainStartedAt is { } drainStart ? _time.GetUtcNow() - drainStart : null,
            WorkflowJson.Serialize(inFlight.Take(ExecutorHeartbeat.InFlightShown)), inFlight.Count, starting, afterFailedBeat);
    }

    private async Task ReleaseInterruptedAsync(CancellationToken cancellationToken)
    {
        while (_toRelease.TryPeek(out var workflow))
        {
            try
            {
                await _release.ReleaseAsync(workflow, cancellationToken).ConfigureAwait(false);
                _toRelease.TryDequeue(out _);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                _logger.ReleasePostponed(e, workflow.Id, e.Message);
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_state is not ExecutorStates.Stopped and not ExecutorStates.Starting)
            await AbandonAsync().ConfigureAwait(false);
        _stopClaiming.Dispose();
        _shutdown.Dispose();
    }
}
