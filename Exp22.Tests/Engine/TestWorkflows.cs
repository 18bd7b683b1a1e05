using System.Collections.Concurrent;
using Exp22.Workflows;

namespace Exp22.Tests.Engine;

/// <summary>Counts every execution the test workflows make, shared by all executors of one test.</summary>
public sealed class ExecutionLog
{
    private readonly ConcurrentDictionary<(Guid Workflow, int Step), int> _stepRuns = new();
    private readonly ConcurrentDictionary<(Guid Workflow, int Attempt), int> _attemptRuns = new();
    private readonly ConcurrentDictionary<Guid, string> _executorOf = new();

    public ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new();

    public int StepRuns(Guid workflow, int step) => _stepRuns.GetValueOrDefault((workflow, step));

    public int TotalStepRuns => _stepRuns.Values.Sum();

    public IEnumerable<int> AttemptRunCounts => _attemptRuns.Values;

    public IReadOnlyCollection<string> Executors => [.. _executorOf.Values.Distinct()];

    public void AttemptStarted(WorkflowContext context)
    {
        _attemptRuns.AddOrUpdate((context.WorkflowId, context.Attempt), 1, (_, n) => n + 1);
        _executorOf[context.WorkflowId] = context.ExecutorId;
    }

    public void StepRan(Guid workflow, int step) => _stepRuns.AddOrUpdate((workflow, step), 1, (_, n) => n + 1);

    /// <summary>A gate a step waits at until the test opens it.</summary>
    public Task Gate(string name) =>
        Gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Open(string name) =>
        Gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <param name="StepDelayMs">How long each step takes.</param>
/// <param name="GateBeforeStep">A step index whose execution waits for the gate named after the workflow id.</param>
public sealed record StepsInput(int Steps, int StepDelayMs = 0, int? GateBeforeStep = null, int? FailAtStep = null);

[WorkflowName("steps")]
public sealed class StepsWorkflow(ExecutionLog log) : Workflow<StepsInput, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, StepsInput input)
    {
        log.AttemptStarted(context);
        var sum = 0;
        for (var i = 0; i < input.Steps; i++)
        {
            var index = i;
            sum += await context.RunStepAsync($"step-{index}", async ct =>
            {
                log.StepRan(context.WorkflowId, index);
                if (index == input.GateBeforeStep)
                    await log.Gate(context.WorkflowId.ToString()).WaitAsync(ct);
                if (input.StepDelayMs > 0)
                    await Task.Delay(input.StepDelayMs, ct);
                if (index == input.FailAtStep)
                    throw new InvalidOperationException($"step {index} broke");
                return index;
            });
        }

        return sum;
    }
}

public sealed record FanOutInput(int Children, StepsInput Child, int BeforeSteps = 1, string? ChildQueue = null);

[WorkflowName("fan-out")]
public sealed class FanOutWorkflow(ExecutionLog log) : Workflow<FanOutInput, int[]>
{
    public override async Task<int[]> RunAsync(WorkflowContext context, FanOutInput input)
    {
        log.AttemptStarted(context);
        for (var i = 0; i < input.BeforeSteps; i++)
        {
            var index = i;
            await context.RunStepAsync($"prepare-{index}", _ =>
            {
                log.StepRan(context.WorkflowId, index);
                return Task.FromResult(index);
            });
        }

        var children = await context.StartChildrenAsync<StepsWorkflow, StepsInput, int>(
            [.. Enumerable.Repeat(input.Child, input.Children)],
            new ChildWorkflowOptions(Queue: input.ChildQueue));
        return await context.WhenAllAsync(children);
    }
}

public sealed record NestedInput(int Depth, int Width);

[WorkflowName("nested")]
public sealed class NestedWorkflow : Workflow<NestedInput, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, NestedInput input)
    {
        if (input.Depth == 0)
            return await context.RunStepAsync("leaf", _ => Task.FromResult(1));

        var children = await context.StartChildrenAsync<NestedWorkflow, NestedInput, int>(
            [.. Enumerable.Repeat(input with { Depth = input.Depth - 1 }, input.Width)]);
        return (await context.WhenAllAsync(children)).Sum();
    }
}

[WorkflowName("flaky-step")]
public sealed class FlakyStepWorkflow(ExecutionLog log) : Workflow<int, string>
{
    /// <param name="failures">How many times the step throws before it succeeds.</param>
    public override Task<string> RunAsync(WorkflowContext context, int failures) =>
        context.RunStepAsync("flaky", _ =>
        {
            log.StepRan(context.WorkflowId, 0);
            return log.StepRuns(context.WorkflowId, 0) <= failures
                ? throw new TimeoutException("transient")
                : Task.FromResult("ok");
        }, new RetryPolicy(MaxAttempts: 3, InitialDelay: TimeSpan.FromMilliseconds(10)));
}

[WorkflowName("throws")]
public sealed class ThrowingWorkflow : Workflow<string, string>
{
    public override Task<string> RunAsync(WorkflowContext context, string message) =>
        throw new InvalidOperationException(message);
}

[WorkflowName("parent-of-failing")]
public sealed class ParentOfFailingChildWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string message)
    {
        var child = await context.StartChildAsync<ThrowingWorkflow, string, string>(message);
        try
        {
            return await child.GetResultAsync();
        }
        catch (ChildWorkflowFailedException e)
        {
            return await context.RunStepAsync("report", _ => Task.FromResult($"child said: {e.Error}"));
        }
    }
}

/// <summary>Takes a different path on replay: the engine must refuse to mix the two histories.</summary>
[WorkflowName("non-deterministic")]
public sealed class NonDeterministicWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int input)
    {
        await context.RunStepAsync($"step-on-attempt-{context.Attempt}", _ => Task.FromResult(1));
        var child = await context.StartChildAsync<NestedWorkflow, NestedInput, int>(new NestedInput(0, 0));
        return await child.GetResultAsync();
    }
}
