using System.Collections.Concurrent;
using Exp22.Workflows.Hosting;
using Exp22.Workflows.Queues;
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
    private readonly RecoveryHold _recovery;
    private readonly SuspectProbation _probation;
    private readonly ConcurrentDictionary<Guid, InFlightWorkflow> _inFlight = new();
    private readonly ConcurrentQueue<ClaimedWorkflow> _toRelease = new();
    private readonly CancellationTokenSource _stopClaiming = new();
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
        _recovery = new RecoveryHold(time, _options.HeartbeatTimeout);
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
        var leftBehind = await _handover.TakeBackAsync(_options.ExecutorId, cancellationToken);
        WorkflowTelemetry.Recovered.Add(leftBehind, WorkflowTelemetry.ExecutorOf(_options.ExecutorId));
        if (leftBehind > 0)
            _logger.LogWarning("Executor {ExecutorId} found {Count} workflow(s) left by its previous process; re-enqueued them",
                _options.ExecutorId, leftBehind);

        await LoadQueueDefinitionsAsync(cancellationToken);
        await _heartbeat.BeatAsync(BeatOf(ExecutorStates.Running, starting: true), recoverOthers: true, cancellationToken);
        _state = ExecutorStates.Running;

        _listenLoop = _listener.ListenAsync(OnNotification, _shutdown.Token);
        _heartbeatLoop = HeartbeatLoopAsync(_shutdown.Token);
        _claimLoop = ClaimLoopAsync(_stopClaiming.Token);
        _logger.LogInformation(
            "Executor {ExecutorId} started: concurrency {Concurrency}, queues [{Queues}], workflows [{Workflows}]",
            _options.ExecutorId, _options.Concurrency, string.Join(", ", _queues), string.Join(", ", _workflowNames));
    }

    /// <summary>
    /// Declares this process's queue definitions, then claims by what the table holds for its queues, so a
    /// limit declared by any process binds every executor. Queues with a limit of their own are claimed
    /// one by one; the rest together, by the plain claim.
    /// </summary>
    private async Task LoadQueueDefinitionsAsync(CancellationToken cancellationToken)
    {
        await _definitions.SaveAsync(_options.QueueDefinitions, cancellationToken);
        var defined = await _definitions.ReadAsync(_queues, cancellationToken);
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
        WorkflowTelemetry.DrainDuration.Record(_time.GetElapsedTime(drainStart).TotalSeconds,
            WorkflowTelemetry.ExecutorOf(_options.ExecutorId));
        _logger.LogInformation("Drain complete: executor {ExecutorId} stopped after {Elapsed:0.0} s",
            _options.ExecutorId, _time.GetElapsedTime(drainStart).TotalSeconds);
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
        _logger.LogInformation(
            "Drain started: executor {ExecutorId} claims nothing new; {InFlight} workflow(s) in flight; waiting up to {Timeout:0.#} s for them",
            _options.ExecutorId, inFlight.Length, _options.WorkflowCompletionTimeout.TotalSeconds);
        _ = BeatOnceAsync(ExecutorStates.Draining);

        await Task.WhenAll(inFlight.Select(f => f.Execution))
            .WaitAsync(deadline.Token)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        _logger.LogInformation(
            "Drain: {Finished} workflow(s) finished or parked in {Waited:0.0} s; {Remaining} still running",
            inFlight.Length - _inFlight.Count, _time.GetElapsedTime(started).TotalSeconds, _inFlight.Count);
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
            _logger.LogInformation(
                "Drain: handed {Handed} workflow(s) back to the queue; another executor resumes them from their last checkpoint",
                handed);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            _logger.LogError(
                "Drain: could not hand back {Count} workflow(s) within {Key} ({Timeout:0.#} s): [{Workflows}]; they stay with executor {ExecutorId} until survivors recover them, {HeartbeatTimeout:0.#} s after its last heartbeat",
                remaining.Length + _toRelease.Count, WorkflowsOptions.HandoverTimeoutKey, _options.HandoverTimeout.TotalSeconds,
                Describe(remaining), _options.ExecutorId, _options.HeartbeatTimeout.TotalSeconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e,
                "Drain: could not hand back {Count} workflow(s): [{Workflows}]; they stay with executor {ExecutorId} until survivors recover them, {HeartbeatTimeout:0.#} s after its last heartbeat",
                remaining.Length + _toRelease.Count, Describe(remaining), _options.ExecutorId, _options.HeartbeatTimeout.TotalSeconds);
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
            _logger.LogWarning(
                "Executor {ExecutorId} could not deregister within {Key} ({Timeout:0.#} s); its row goes stale instead",
                _options.ExecutorId, WorkflowsOptions.LeaveTimeoutKey, _options.LeaveTimeout.TotalSeconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogWarning(e, "Executor {ExecutorId} could not deregister; its row goes stale instead", _options.ExecutorId);
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
        await _stopClaiming.CancelAsync();
        await _shutdown.CancelAsync();
        foreach (var flight in _inFlight.Values)
            await flight.Cancellation.CancelAsync();
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
                    _queueMayHoldWork = await ClaimIntoFreeSlotsAsync(free, cancellationToken);
                    if (failures > 0)
                    {
                        _logger.LogInformation("Executor {ExecutorId} claims again after {Failures} failed attempt(s)",
                            _options.ExecutorId, failures);
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
                        _logger.LogWarning("Executor {ExecutorId} could not claim: {Error}; retrying with pauses growing to {Max:0} s",
                            _options.ExecutorId, e.Message, MaxClaimRetry.TotalSeconds);
                    else
                        _logger.LogDebug("Executor {ExecutorId} could not claim (attempt {Failures}): {Error}", _options.ExecutorId, failures, e.Message);
                    if (!await PauseAsync(pause, cancellationToken))
                        return;
                    continue;
                }
            }

            try
            {
                // The polling fallback claims even without a signal, in case a notification was lost.
                if (!await _wake.WaitAsync(_options.PollingInterval, cancellationToken))
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
                    cancellationToken, _probation.SuspectsToClaim)
                : await _claims.ClaimAsync(_options.ExecutorId, _options.ApplicationVersion, [queue], _workflowNames, room,
                    cancellationToken, _probation.SuspectsToClaim);
            LaunchAll(claimed);
            free -= claimed.Count;
            mayHoldMore |= claimed.Count == room;
        }

        if (free > 0 && _plainQueues.Length > 0)
        {
            var claimed = await _claims.ClaimAsync(
                _options.ExecutorId, _options.ApplicationVersion, _plainQueues, _workflowNames, free,
                cancellationToken, _probation.SuspectsToClaim);
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
            await _wake.WaitAsync(pause, cancellationToken);
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
                if (await _runner.RunAsync(flight) == ExecutionEnd.InfrastructureFailure)
                    _toRelease.Enqueue(workflow);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The workflow is still RUNNING under this executor's claim: left alone, it would wait for
                // a heartbeat timeout that never comes while this executor lives.
                _logger.LogError(e, "Workflow {WorkflowId} ({WorkflowName}) failed outside its own code: {Error}; it will be released",
                    workflow.Id, workflow.Name, e.Message);
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
            _logger.LogInformation("Workflow {WorkflowId} was cancelled; stopping its execution", id);
            _ = flight.Cancellation.CancelAsync();
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await BeatOnceAsync(_state, cancellationToken);
                await ReleaseInterruptedAsync(cancellationToken);
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
            var recovered = await _heartbeat.BeatAsync(BeatOf(state), _recovery.MayRecover, cancellationToken);
            WorkflowTelemetry.Recovered.Add(recovered, WorkflowTelemetry.ExecutorOf(_options.ExecutorId));
            if (_recovery.BeatSucceeded() is { } outage)
            {
                _logger.LogInformation(
                    "Executor {ExecutorId} heartbeat restored after {Outage:0.0} s; it recovers silent executors' work again in {Timeout:0.#} s, once live ones have beaten",
                    _options.ExecutorId, outage.TotalSeconds, _options.HeartbeatTimeout.TotalSeconds);
            }

            if (recovered > 0)
            {
                _logger.LogWarning("Executor {ExecutorId} re-enqueued {Count} workflow(s) of executors silent for over {Timeout:0.#} s",
                    _options.ExecutorId, recovered, _options.HeartbeatTimeout.TotalSeconds);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            if (_recovery.BeatFailed())
                _logger.LogWarning("Executor {ExecutorId} heartbeat failed: {Error}; retrying every {Interval:0.###} s",
                    _options.ExecutorId, e.Message, _options.HeartbeatInterval.TotalSeconds);
            else
                _logger.LogDebug("Executor {ExecutorId} heartbeat failed again: {Error}", _options.ExecutorId, e.Message);
        }
    }

    private ExecutorBeat BeatOf(string state, bool starting = false)
    {
        var inFlight = _inFlight.Values.Select(f => f.ToStatus()).OrderBy(s => s.ClaimedAt).ToList();
        return new ExecutorBeat(
            _options.ExecutorId, _options.ApplicationVersion, state, _options.Concurrency, _queues,
            _options.HeartbeatTimeout, _options.WorkflowCompletionTimeout,
            _drainStartedAt is { } drainStart ? _time.GetUtcNow() - drainStart : null,
            WorkflowJson.Serialize(inFlight.Take(ExecutorHeartbeat.InFlightShown)), inFlight.Count, starting);
    }

    private async Task ReleaseInterruptedAsync(CancellationToken cancellationToken)
    {
        while (_toRelease.TryPeek(out var workflow))
        {
            try
            {
                await _release.ReleaseAsync(workflow, cancellationToken);
                _toRelease.TryDequeue(out _);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                _logger.LogDebug("Release of workflow {WorkflowId} postponed: {Error}", workflow.Id, e.Message);
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_state is not ExecutorStates.Stopped and not ExecutorStates.Starting)
            await AbandonAsync();
        _stopClaiming.Dispose();
        _shutdown.Dispose();
    }
}
