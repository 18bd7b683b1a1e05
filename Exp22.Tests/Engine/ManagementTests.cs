using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Tests.Engine;

public sealed class ManagementTests
{
    [Fact]
    public async Task Resuming_an_errored_workflow_runs_only_the_failed_step_again()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log, registerMore: SignalWorkflows.Register);
        var run = await engine.Client.EnqueueAsync<FixableWorkflow, FixableInput, int>(new FixableInput(Steps: 4, FailAt: 2));
        var failed = await engine.Client.UntilFinishedAsync(run.RunId);
        Assert.Equal(WorkflowStatus.Error, failed.Status);

        log.Open($"{run.RunId}-fixed");
        Assert.Equal(ResumeOutcome.Resumed, await engine.Client.ResumeAsync(run.RunId, CancellationToken.None));
        var resumed = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Success, resumed.Status);
        Assert.Equal(0 + 1 + 2 + 3, resumed.Output!.Value.GetInt32());
        Assert.Null(resumed.Error);
        Assert.Equal([1, 1, 2, 1], Enumerable.Range(0, 4).Select(step => log.StepRuns(run.RunId, step)));
        Assert.Equal(ResumeOutcome.NotResumable, await engine.Client.ResumeAsync(run.RunId, CancellationToken.None));
        Assert.Equal(ResumeOutcome.NotFound, await engine.Client.ResumeAsync(Guid.CreateVersion7(), CancellationToken.None));
    }

    [Fact]
    public async Task Resuming_a_cancelled_run_continues_it_and_its_children_from_their_checkpoints()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);
        var run = await engine.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(Children: 2, Child: new StepsInput(3, GateBeforeStep: 1)));
        WorkflowNode? tree = null;
        await Eventually.TrueAsync(async () =>
        {
            tree = await engine.Client.GetRunAsync(run.RunId, CancellationToken.None);
            return tree!.Children.Count == 2 && tree.Children.All(c => log.StepRuns(c.Id, 1) == 1);
        }, TimeSpan.FromSeconds(10), "both children to reach their gate");
        await engine.Client.CancelAsync(run.RunId, CancellationToken.None);
        await engine.Client.UntilFinishedAsync(run.RunId);

        foreach (var child in tree!.Children)
            log.Open(child.Id.ToString());
        Assert.Equal(ResumeOutcome.Resumed, await engine.Client.ResumeAsync(run.RunId, CancellationToken.None));
        var resumed = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Success, resumed.Status);
        Assert.All(resumed.Children, c =>
        {
            Assert.Equal(WorkflowStatus.Success, c.Status);
            Assert.Equal(1, log.StepRuns(c.Id, 0));
            Assert.Equal(2, log.StepRuns(c.Id, 1));
        });
        Assert.Equal(1, log.StepRuns(run.RunId, 0));
    }

    [Fact]
    public async Task Forking_from_a_step_copies_the_steps_before_it_and_runs_the_rest()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);
        var source = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(5));
        await engine.Client.UntilFinishedAsync(source.RunId);

        // The third step (index 2): steps 1-2 are copied, 3..5 run.
        var fork = await engine.Client.ForkAsync(source.RunId, fromStep: 2, CancellationToken.None);
        var forked = await engine.Client.UntilFinishedAsync(fork!.RunId);

        Assert.Equal(2, fork.CopiedSteps);
        Assert.Equal(WorkflowStatus.Success, forked.Status);
        Assert.Equal(10, forked.Output!.Value.GetInt32());
        Assert.Equal([0, 0, 1, 1, 1], Enumerable.Range(0, 5).Select(step => log.StepRuns(fork.RunId, step)));
        var sourceSteps = (await engine.Client.ListStepsAsync(source.RunId, CancellationToken.None))!;
        var forkSteps = (await engine.Client.ListStepsAsync(fork.RunId, CancellationToken.None))!;
        Assert.Equal(sourceSteps.Select(s => s.Name), forkSteps.Select(s => s.Name));
        Assert.Equal(sourceSteps.Take(2).Select(s => s.CompletedAt), forkSteps.Take(2).Select(s => s.CompletedAt));
        Assert.All(forkSteps.Skip(2), s => Assert.True(s.CompletedAt > sourceSteps[^1].CompletedAt));
        Assert.Null(await engine.Client.ForkAsync(Guid.CreateVersion7(), 0, CancellationToken.None));
        Assert.Null(await engine.Client.ListStepsAsync(Guid.CreateVersion7(), CancellationToken.None));
    }
}
