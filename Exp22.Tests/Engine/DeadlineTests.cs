using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Tests.Engine;

public sealed class DeadlineTests
{
    [Fact]
    public async Task A_passed_deadline_cancels_the_running_tree_stops_its_steps_and_says_why()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);
        var run = await engine.Client.EnqueueAsync(new EnqueueRequest(
            WorkflowNames.Of<FanOutWorkflow>(),
            WorkflowJson.Serialize(new FanOutInput(Children: 2, Child: new StepsInput(3, GateBeforeStep: 1))),
            Timeout: TimeSpan.FromSeconds(2)), CancellationToken.None);
        await Eventually.TrueAsync(async () =>
        {
            var tree = await engine.Client.GetRunAsync(run.RunId, CancellationToken.None);
            return tree!.Children.Count == 2 && tree.Children.All(c => log.StepRuns(c.Id, 1) == 1);
        }, TimeSpan.FromSeconds(10), "both children to reach their gate");

        var ended = await engine.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(10));
        // The gates are never opened: only the steps' cancellation tokens end their executions.
        await Eventually.TrueAsync(() => engine.Executor.InFlightCount == 0, TimeSpan.FromSeconds(5), "the steps in flight to stop");

        Assert.Equal(WorkflowStatus.Cancelled, ended.Status);
        Assert.Contains("deadline", ended.Error);
        Assert.All(ended.Children, c =>
        {
            Assert.Equal(WorkflowStatus.Cancelled, c.Status);
            Assert.Contains("deadline", c.Error);
            Assert.Single(c.Steps);
        });
        Assert.InRange(ended.CompletedAt!.Value - ended.CreatedAt, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_deadline_that_passed_while_no_executor_ran_fires_at_the_next_start()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var client = await EngineHost.StartAsync(database, log, executor: false);
        var run = await client.Client.EnqueueAsync(new EnqueueRequest(
            WorkflowNames.Of<StepsWorkflow>(), WorkflowJson.Serialize(new StepsInput(1)),
            Deadline: DateTimeOffset.UtcNow.AddMilliseconds(300)), CancellationToken.None);
        await Task.Delay(500);

        await using var engine = await EngineHost.StartAsync(database, log);
        var ended = await engine.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(10));

        Assert.Equal(WorkflowStatus.Cancelled, ended.Status);
        Assert.Contains("deadline", ended.Error);
    }
}
