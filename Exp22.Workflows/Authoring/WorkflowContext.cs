using System.Diagnostics;
using Exp22.Workflows.Execution;
using Exp22.Workflows.Telemetry;

namespace Exp22.Workflows;

/// <summary>
/// What a running workflow can do durably: run steps (checkpointed; replay returns the stored result),
/// start children on a queue, and await them without holding a concurrency slot. Positions are counted
/// in call order, which is why workflow code must be deterministic around these calls.
/// </summary>
public sealed class WorkflowContext
{
    private readonly ClaimedWorkflow _workflow;
    private readonly WorkflowHistory _history;
    private readonly StepCheckpoints _checkpoints;
    private readonly ChildWorkflowStarts _childStarts;
    private readonly MessageStatements _messages;
    private readonly TimeProvider _time;
    private readonly WorkflowProgress _progress;
    private int _nextSeq;

    internal WorkflowContext(
        ClaimedWorkflow workflow,
        WorkflowHistory history,
        StepCheckpoints checkpoints,
        ChildWorkflowStarts childStarts,
        MessageStatements messages,
        TimeProvider time,
        WorkflowProgress progress,
        CancellationToken cancellationToken)
    {
        _workflow = workflow;
        _history = history;
        _checkpoints = checkpoints;
        _childStarts = childStarts;
        _messages = messages;
        _time = time;
        _progress = progress;
        CancellationToken = cancellationToken;
    }

    public Guid WorkflowId => _workflow.Id;

    /// <summary>The root workflow's id: the run this workflow belongs to.</summary>
    public Guid RunId => _workflow.RunId;

    public Guid? ParentId => _workflow.ParentId;

    public string WorkflowName => _workflow.Name;

    public string ExecutorId => _workflow.ExecutorId;

    /// <summary>How many times this workflow has been claimed, this execution included.</summary>
    public int Attempt => _workflow.Attempt;

    /// <summary>Cancelled when the workflow is cancelled or handed to another executor: stop promptly.</summary>
    public CancellationToken CancellationToken { get; }

    internal Suspension Suspension { get; } = new();

    /// <summary>
    /// Runs <paramref name="step"/> unless this position already has a checkpoint, in which case the
    /// stored result (or stored failure) is returned without running it. A step interrupted before its
    /// checkpoint may run again: steps are at-least-once, checkpoints exactly-once.
    /// </summary>
    public async Task<T> RunStepAsync<T>(string name, Func<CancellationToken, Task<T>> step, RetryPolicy? retry = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var seq = _nextSeq++;
        if (_history.TryGetStep(seq, out var recorded))
        {
            EnsureSameOperation(seq, "step", name, recorded.Name);
            _progress.StepReplayed();
            Activity.Current?.AddEvent(new ActivityEvent("exp22.step.replayed", tags: new ActivityTagsCollection
            {
                [WorkflowTelemetry.StepNameTag] = name,
                [WorkflowTelemetry.StepIndexTag] = seq,
            }));
            return recorded.Error is null
                ? WorkflowJson.Deserialize<T>(recorded.Output ?? "null")
                : throw new StepFailedException(name, recorded.Error);
        }

        retry ??= RetryPolicy.None;
        retry.Validate();
        var startedAt = _time.GetUtcNow();
        using var activity = WorkflowSpans.StartStep(_workflow, seq, name);
        var startTimestamp = _time.GetTimestamp();
        _progress.StepStarted(name);
        for (var tries = 1; ; tries++)
        {
            T result;
            try
            {
                result = await step(CancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!CancellationToken.IsCancellationRequested && tries < retry.MaxAttempts)
            {
                await Task.Delay(retry.DelayBefore(tries + 1), _time, CancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception e) when (!CancellationToken.IsCancellationRequested && e is not WorkflowFencedException)
            {
                var failure = Failure.Of(e);
                await _checkpoints.SaveAsync(_workflow, seq, name, null, failure, tries, startedAt, CancellationToken).ConfigureAwait(false);
                WorkflowSpans.EndStep(activity, _workflow, _time.GetElapsedTime(startTimestamp), tries, failure.Summary);
                _progress.StepCompleted();
                throw new StepFailedException(name, failure.Summary);
            }

            await _checkpoints.SaveAsync(
                _workflow, seq, name, WorkflowJson.Serialize(result), null, tries, startedAt, CancellationToken).ConfigureAwait(false);
            WorkflowSpans.EndStep(activity, _workflow, _time.GetElapsedTime(startTimestamp), tries, null);
            _progress.StepCompleted();
            return result;
        }
    }

    public Task RunStepAsync(string name, Func<CancellationToken, Task> step, RetryPolicy? retry = null) =>
        RunStepAsync<object?>(name, async ct =>
        {
            await step(ct).ConfigureAwait(false);
            return null;
        }, retry);

    public async Task<ChildWorkflow<TOutput>> StartChildAsync<TWorkflow, TInput, TOutput>(
        TInput input, ChildWorkflowOptions? options = null)
        where TWorkflow : Workflow<TInput, TOutput> =>
        (await StartChildrenAsync<TWorkflow, TInput, TOutput>([input], options).ConfigureAwait(false))[0];

    /// <summary>Starts one child per input in a single round trip; replay returns the children already started.</summary>
    public async Task<IReadOnlyList<ChildWorkflow<TOutput>>> StartChildrenAsync<TWorkflow, TInput, TOutput>(
        IReadOnlyList<TInput> inputs, ChildWorkflowOptions? options = null)
        where TWorkflow : Workflow<TInput, TOutput>
    {
        var name = WorkflowNames.Of<TWorkflow>();
        var children = new ChildWorkflow<TOutput>[inputs.Count];
        var newIds = new List<Guid>(inputs.Count);
        var newSeqs = new List<int>(inputs.Count);
        var newInputs = new List<string>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var seq = _nextSeq++;
            if (_history.TryGetChild(seq, out var recorded))
            {
                EnsureSameOperation(seq, "child workflow", name, recorded.Name);
                children[i] = new ChildWorkflow<TOutput>(this, recorded.Id, seq, name);
                continue;
            }

            var id = Guid.CreateVersion7();
            children[i] = new ChildWorkflow<TOutput>(this, id, seq, name);
            newIds.Add(id);
            newSeqs.Add(seq);
            newInputs.Add(WorkflowJson.Serialize(inputs[i]));
        }

        if (newIds.Count > 0)
        {
            await _childStarts.StartAsync(
                _workflow, name, options?.Queue ?? _workflow.Queue, options?.Priority ?? 0,
                [.. newIds], [.. newSeqs], [.. newInputs], CancellationToken).ConfigureAwait(false);
            for (var i = 0; i < newIds.Count; i++)
                _history.RecordChild(newSeqs[i], new RecordedChild(newIds[i], name, WorkflowStatus.Enqueued, null, null));
        }

        return children;
    }

    /// <summary>
    /// The children's results in order. If any is still running, this execution parks: the slot is
    /// freed and a later execution, woken by the last child, continues from here.
    /// </summary>
    public Task<TOutput[]> WhenAllAsync<TOutput>(IEnumerable<ChildWorkflow<TOutput>> children)
    {
        var list = children as IReadOnlyList<ChildWorkflow<TOutput>> ?? [.. children];
        var pending = new List<Guid>();
        foreach (var child in list)
        {
            if (!_history.TryGetChild(child.Seq, out var recorded))
                throw new InvalidOperationException($"Child workflow {child.Id} was not started by this workflow.");
            if (!WorkflowStatus.IsTerminal(recorded.Status))
                pending.Add(child.Id);
        }

        if (pending.Count > 0)
            return Suspension.Suspend<TOutput[]>(pending);

        var results = new TOutput[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            _history.TryGetChild(list[i].Seq, out var recorded);
            results[i] = recorded!.Status == WorkflowStatus.Success
                ? WorkflowJson.Deserialize<TOutput>(recorded.Output ?? "null")
                : throw new ChildWorkflowFailedException(recorded.Id, recorded.Name, recorded.Status, recorded.Error);
        }

        return Task.FromResult(results);
    }

    /// <summary>Sleeps durably for <paramref name="duration"/>: see <see cref="SleepUntilAsync"/>.</summary>
    public async Task SleepAsync(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        await SleepUntilCoreAsync(_time.GetUtcNow() + duration).ConfigureAwait(false);
    }

    /// <summary>
    /// Sleeps durably until <paramref name="wakeAt"/>. The wake-up time is checkpointed at this position;
    /// the workflow parks (its slot is freed) and whichever executor is alive then resumes it. Replay
    /// after the wake-up returns at once: a workflow never sleeps twice.
    /// </summary>
    public Task SleepUntilAsync(DateTimeOffset wakeAt) => SleepUntilCoreAsync(wakeAt);

    private async Task SleepUntilCoreAsync(DateTimeOffset requested)
    {
        var wakeAt = await CheckpointedTimeAsync(SleepStepName, requested).ConfigureAwait(false);
        await WaitUntilAsync<object?>(wakeAt, topic: null).ConfigureAwait(false);
    }

    /// <summary>
    /// The next message sent to this workflow on <paramref name="topic"/>, or null when none came within
    /// <paramref name="timeout"/>. While it waits the workflow is parked, holding no slot, and a send wakes
    /// it. The message is consumed in the same transaction that checkpoints the receive, so it is
    /// delivered exactly once, and replay returns the same message.
    /// </summary>
    public async Task<WorkflowMessage<T>?> ReceiveAsync<T>(string topic, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        // Two positions: the deadline (so that a replay keeps the first execution's timeout), then the message.
        var deadline = await CheckpointedTimeAsync(ReceiveDeadlineStepName(topic), _time.GetUtcNow() + timeout).ConfigureAwait(false);
        var name = MessageStepName(topic);
        var seq = _nextSeq++;
        if (_history.TryGetStep(seq, out var recorded))
        {
            EnsureSameOperation(seq, "receive", name, recorded.Name);
            return recorded.Output is null or "null" ? null : new WorkflowMessage<T>(WorkflowJson.Deserialize<T>(recorded.Output));
        }

        var startedAt = _time.GetUtcNow();
        var taken = await _messages.TryConsumeAsync(_workflow, seq, name, topic, startedAt, CancellationToken).ConfigureAwait(false);
        if (taken is not null)
            return new WorkflowMessage<T>(WorkflowJson.Deserialize<T>(taken));
        if (deadline > _time.GetUtcNow())
            return await Suspension.SuspendUntil<WorkflowMessage<T>?>(deadline, topic).ConfigureAwait(false);

        await _checkpoints.SaveAsync(_workflow, seq, name, null, null, 1, startedAt, CancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Publishes <paramref name="value"/> as the latest value of event <paramref name="key"/>, readable at
    /// once from outside through <see cref="Client.WorkflowClient.GetEventAsync{T}"/>, and checkpointed.
    /// </summary>
    public async Task SetEventAsync<T>(string key, T value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var name = EventStepName(key);
        var seq = _nextSeq++;
        if (_history.TryGetStep(seq, out var recorded))
        {
            EnsureSameOperation(seq, "event", name, recorded.Name);
            return;
        }

        if (!await _messages.SetEventAsync(_workflow, seq, name, key, WorkflowJson.Serialize(value), _time.GetUtcNow(), CancellationToken).ConfigureAwait(false))
            throw new WorkflowFencedException(_workflow.Id, $"publishing event '{key}'");
    }

    internal const string SleepStepName = "exp22.sleep";

    internal static string ReceiveDeadlineStepName(string topic) => $"exp22.receive-deadline:{topic}";

    internal static string MessageStepName(string topic) => $"exp22.receive:{topic}";

    internal static string EventStepName(string key) => $"exp22.event:{key}";

    /// <summary>A time fixed by the first execution to reach this position, and returned by every replay.</summary>
    private async Task<DateTimeOffset> CheckpointedTimeAsync(string name, DateTimeOffset requested)
    {
        var seq = _nextSeq++;
        if (_history.TryGetStep(seq, out var recorded))
        {
            EnsureSameOperation(seq, "timer", name, recorded.Name);
            return WorkflowJson.Deserialize<DateTimeOffset>(recorded.Output ?? "null");
        }

        await _checkpoints.SaveAsync(
            _workflow, seq, name, WorkflowJson.Serialize(requested), null, 1, _time.GetUtcNow(), CancellationToken).ConfigureAwait(false);
        return requested;
    }

    /// <summary>
    /// Returns once <paramref name="wakeAt"/> has come. Until then the workflow parks; only the last
    /// stretch shorter than <see cref="ShortestPark"/> is waited out in place, which covers an executor
    /// whose clock runs a little behind the database's (the claim judges on the database clock).
    /// </summary>
    private async Task<T> WaitUntilAsync<T>(DateTimeOffset wakeAt, string? topic)
    {
        var remaining = wakeAt - _time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
            return default!;
        if (remaining < ShortestPark)
        {
            await Task.Delay(remaining, _time, CancellationToken).ConfigureAwait(false);
            return default!;
        }

        return await Suspension.SuspendUntil<T>(wakeAt, topic).ConfigureAwait(false);
    }

    private static readonly TimeSpan ShortestPark = TimeSpan.FromMilliseconds(50);

    private void EnsureSameOperation(int seq, string kind, string name, string recordedName)
    {
        if (recordedName != name)
        {
            throw new NonDeterministicWorkflowException(
                $"Workflow {WorkflowId} ({WorkflowName}) met {kind} '{name}' at position {seq}, " +
                $"but its history recorded '{recordedName}' there.");
        }
    }
}
