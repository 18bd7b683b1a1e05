using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Tests.Engine;

public sealed class CancelTests
{
    [Fact]
    public async Task Cancelling_a_run_cancels_its_running_children_and_stops_their_steps()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);
        var run = await engine.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(Children: 3, Child: new StepsInput(3, GateBeforeStep: 1)));
        WorkflowNode? tree = null;
        await Eventually.TrueAsync(async () =>
        {
            tree = await engine.Client.GetRunAsync(run.RunId, CancellationToken.None);
            return tree!.Children.Count == 3 && tree.Children.All(c => log.StepRuns(c.Id, 1) == 1);
        }, TimeSpan.FromSeconds(10), "every child to reach its gate");

        Assert.Equal(CancelOutcome.Cancelled, await engine.Client.CancelAsync(run.RunId, CancellationToken.None));
        await Eventually.TrueAsync(() => engine.Executor.GetStatus().InFlight.Count == 0, TimeSpan.FromSeconds(5),
            "the children's executions to stop");
        foreach (var child in tree!.Children)
            log.Open(child.Id.ToString());
        await Task.Delay(500);
        var after = await engine.Client.GetRunAsync(run.RunId, CancellationToken.None);

        Assert.Equal(WorkflowStatus.Cancelled, after!.Status);
        Assert.All(after.Children, c =>
        {
            Assert.Equal(WorkflowStatus.Cancelled, c.Status);
            Assert.Single(c.Steps);
            Assert.Equal(0, log.StepRuns(c.Id, 2));
        });
    }

    [Fact]
    public async Task Cancelling_one_child_leaves_its_siblings_and_fails_the_waiting_parent()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);
        var run = await engine.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(Children: 2, Child: new StepsInput(2, GateBeforeStep: 1)));
        WorkflowNode? tree = null;
        await Eventually.TrueAsync(async () =>
        {
            tree = await engine.Client.GetRunAsync(run.RunId, CancellationToken.None);
            return tree!.Children.Count == 2 && tree.Children.All(c => log.StepRuns(c.Id, 1) == 1);
        }, TimeSpan.FromSeconds(10), "both children to reach their gate");

        await engine.Client.CancelAsync(tree!.Children[0].Id, CancellationToken.None);
        log.Open(tree.Children[1].Id.ToString());
        var finished = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Error, finished.Status);
        Assert.Contains("CANCELLED", finished.Error);
        Assert.Equal([WorkflowStatus.Cancelled, WorkflowStatus.Success], finished.Children.Select(c => c.Status));
    }
}
