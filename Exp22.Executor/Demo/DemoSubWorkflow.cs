using Exp22.Workflows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exp22.Executor.Demo;

/// <summary>The seed's sub-workflow: a sequence of steps, each waiting a random delay.</summary>
[WorkflowName("demo-sub")]
public sealed class DemoSubWorkflow(IOptions<DemoOptions> options, TimeProvider time, ILogger<DemoSubWorkflow> logger)
    : Workflow<DemoSubInput, DemoSubResult>
{
    public override async Task<DemoSubResult> RunAsync(WorkflowContext context, DemoSubInput input)
    {
        var phase = DemoLog.Phase(context.Attempt);
        logger.SubStarted(input.Index, input.Count, input.RunId, phase, context.ExecutorId, context.Attempt);

        var delays = input.StepDelayMs ?? options.Value.DefaultDelay;
        var total = 0;
        for (var i = 1; i <= input.Steps; i++)
        {
            var step = i;
            total += await context.RunStepAsync($"step-{step}", async ct =>
            {
                // This line is the seed's evidence: one per execution, so a re-run step shows twice; the attempt
                // tells which claim ran it, to match it against the checkpoint that claim wrote (or did not).
                logger.ExecutingStep(step, input.Steps, input.Index, input.RunId, context.ExecutorId, context.Attempt);
                var delay = Random.Shared.Next(delays.Min, delays.Max + 1);
                await Task.Delay(TimeSpan.FromMilliseconds(delay), time, ct);
                return delay;
            });
        }

        logger.SubFinished(input.Index, input.Count, input.RunId, context.ExecutorId);
        return new DemoSubResult(input.Index, input.Steps, total);
    }
}
