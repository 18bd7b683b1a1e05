using System.Runtime.CompilerServices;
using Exp22.Workflows;

namespace Exp22.Executor.Faults;

/// <summary>
/// A poison workflow for fault tests and drills: it kills or hangs every process that runs it, the way
/// a bug in native code, a runaway recursion or a deadlock would. Registered only when
/// <c>Demo:FaultWorkflows</c> is true (see <see cref="FaultWorkflowsRegistration"/>).
/// </summary>
[WorkflowName(Name)]
public sealed partial class FaultWorkflow(ILogger<FaultWorkflow> logger) : Workflow<FaultInput, FaultResult>
{
    public const string Name = "demo-fault";

    public override async Task<FaultResult> RunAsync(WorkflowContext context, FaultInput input)
    {
        for (var i = 1; i <= input.StepsBefore; i++)
        {
            var step = i;
            await context.RunStepAsync($"step-{step}", _ =>
            {
                LogStep(step, context.WorkflowId, context.ExecutorId, context.Attempt);
                return Task.CompletedTask;
            });
        }

        await context.RunStepAsync("fault", _ =>
        {
            LogFault(input.Fault, context.WorkflowId, context.ExecutorId, context.Attempt);
            Strike(input.Fault);
            return Task.CompletedTask;
        });
        return new FaultResult(input.StepsBefore + 1);
    }

    private static void Strike(FaultKind fault)
    {
        switch (fault)
        {
            case FaultKind.FailFast:
                Environment.FailFast($"{Name}: FailFast requested by the workflow's input");
                break;
            case FaultKind.StackOverflow:
                Recurse(0);
                break;
            case FaultKind.Hang:
                StarveThreadPool();
                break;
        }
    }

    // The pool may not grow past the workers it is allowed (at least one per core), and every one of them
    // ends up asleep; nothing queued to the pool (requests, timers, continuations) runs again.
    private static void StarveThreadPool()
    {
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.GetMaxThreads(out _, out var maxIo);
        var workers = Math.Max(minWorkers, Environment.ProcessorCount);
        ThreadPool.SetMaxThreads(workers, Math.Max(minIo, maxIo));
        for (var i = 0; i < workers; i++)
            ThreadPool.UnsafeQueueUserWorkItem(static _ => Thread.Sleep(Timeout.Infinite), null);
        Thread.Sleep(Timeout.Infinite);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Recurse(int depth) => Recurse(depth + 1) + depth;

    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Executing fault-workflow step {Step} (workflow {WorkflowId}, executor {ExecutorId}, attempt {Attempt})")]
    private partial void LogStep(int step, Guid workflowId, string executorId, int attempt);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning,
        Message = "Executing fault {Fault} (workflow {WorkflowId}, executor {ExecutorId}, attempt {Attempt})")]
    private partial void LogFault(FaultKind fault, Guid workflowId, string executorId, int attempt);
}
