using Exp22.Workflows;
using Microsoft.Extensions.Logging;

namespace Exp22.Executor.Demo;

/// <summary>The seed's parent: enqueues its sub-workflows on the queue and awaits them all.</summary>
[WorkflowName("demo-run")]
public sealed class DemoRunWorkflow(ILogger<DemoRunWorkflow> logger) : Workflow<DemoRunInput, DemoRunResult>
{
    public override async Task<DemoRunResult> RunAsync(WorkflowContext context, DemoRunInput input)
    {
        var phase = DemoLog.Phase(context.Attempt);
        logger.RunStarted(context.RunId, phase, context.ExecutorId, context.Attempt,
            input.SubWorkflows, input.StepsPerWorkflow);

        var children = await context.StartChildrenAsync<DemoSubWorkflow, DemoSubInput, DemoSubResult>(
            [.. Enumerable.Range(1, input.SubWorkflows).Select(j =>
                new DemoSubInput(context.RunId, j, input.SubWorkflows, input.StepsPerWorkflow, input.StepDelayMs))]);
        var results = await context.WhenAllAsync(children);

        var result = new DemoRunResult(results.Length, results.Sum(r => r.StepsRun), results.Sum(r => r.TotalDelayMs));
        logger.RunFinished(context.RunId, context.ExecutorId, result.SubWorkflows, result.Steps);
        return result;
    }
}
