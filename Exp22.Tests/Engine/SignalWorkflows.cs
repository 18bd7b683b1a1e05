using Exp22.Workflows;
using Exp22.Workflows.Hosting;

namespace Exp22.Tests.Engine;

/// <param name="GateAfterSleep">The step after the sleep waits at the gate named after the workflow id.</param>
public sealed record SleepInput(int SleepMs, bool GateAfterSleep = false);

/// <summary>A step, a durable sleep, a step: step runs are logged as 0 (before) and 1 (after).</summary>
[WorkflowName("sleeps")]
public sealed class SleepWorkflow(ExecutionLog log) : Workflow<SleepInput, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, SleepInput input)
    {
        log.AttemptStarted(context);
        await context.RunStepAsync("before", _ =>
        {
            log.StepRan(context.WorkflowId, 0);
            return Task.FromResult(0);
        });
        await context.SleepAsync(TimeSpan.FromMilliseconds(input.SleepMs));
        return await context.RunStepAsync("after", async ct =>
        {
            log.StepRan(context.WorkflowId, 1);
            if (input.GateAfterSleep)
                await log.Gate(context.WorkflowId.ToString()).WaitAsync(ct);
            return context.ExecutorId;
        });
    }
}

/// <param name="GateBefore">A first step waits at the gate "{id}-before"; <paramref name="GateAfterFirst"/>: a step after the first receive waits at "{id}-after".</param>
public sealed record ReceiveInput(int Count, int TimeoutMs, bool GateBefore = false, bool GateAfterFirst = false);

/// <summary>Receives <see cref="ReceiveInput.Count"/> messages on topic "t"; null stands for a receive that timed out.</summary>
[WorkflowName("receives")]
public sealed class ReceiveWorkflow(ExecutionLog log) : Workflow<ReceiveInput, string?[]>
{
    public const string Topic = "t";

    public override async Task<string?[]> RunAsync(WorkflowContext context, ReceiveInput input)
    {
        log.AttemptStarted(context);
        if (input.GateBefore)
            await context.RunStepAsync("gate-before", ct => log.Gate($"{context.WorkflowId}-before").WaitAsync(ct));
        var received = new string?[input.Count];
        for (var i = 0; i < input.Count; i++)
        {
            received[i] = (await context.ReceiveAsync<string>(Topic, TimeSpan.FromMilliseconds(input.TimeoutMs)))?.Value;
            if (i == 0 && input.GateAfterFirst)
                await context.RunStepAsync("gate-after", ct => log.Gate($"{context.WorkflowId}-after").WaitAsync(ct));
        }

        return received;
    }
}

/// <summary>Publishes "status" = "waiting", waits at its gate in a step, then publishes "status" = "done" and "finished" = "yes".</summary>
[WorkflowName("publishes")]
public sealed class EventWorkflow(ExecutionLog log) : Workflow<int, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, int input)
    {
        await context.SetEventAsync("status", "waiting");
        await context.RunStepAsync("gate", ct => log.Gate(context.WorkflowId.ToString()).WaitAsync(ct));
        await context.SetEventAsync("status", "done");
        await context.SetEventAsync("finished", "yes");
        return "ok";
    }
}

public static class SignalWorkflows
{
    public static void Register(WorkflowsBuilder workflows) => workflows
        .AddWorkflow<SleepWorkflow>()
        .AddWorkflow<ReceiveWorkflow>()
        .AddWorkflow<EventWorkflow>()
        .AddWorkflow<FixableWorkflow>();
}

/// <summary>Runs steps 0..Steps-1; step FailAt throws until the gate "{id}-fixed" is open (the bug "fixed").</summary>
[WorkflowName("fixable")]
public sealed class FixableWorkflow(ExecutionLog log) : Workflow<FixableInput, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, FixableInput input)
    {
        var sum = 0;
        for (var i = 0; i < input.Steps; i++)
        {
            var index = i;
            sum += await context.RunStepAsync($"step-{index}", _ =>
            {
                log.StepRan(context.WorkflowId, index);
                return index == input.FailAt && !log.Gate($"{context.WorkflowId}-fixed").IsCompleted
                    ? throw new InvalidOperationException($"step {index} has a bug")
                    : Task.FromResult(index);
            });
        }

        return sum;
    }
}

public sealed record FixableInput(int Steps, int FailAt);
