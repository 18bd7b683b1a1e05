using System.Diagnostics;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;

namespace Exp22.Tests.Engine;

public sealed class DrainTests
{
    [Fact]
    public async Task Work_longer_than_the_completion_timeout_is_handed_over_and_finished_elsewhere()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var draining = await EngineHost.StartAsync(database, log);
        // 10 steps of 400 ms: about 4 s of work against a 2 s completion timeout.
        var run = await draining.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(10, StepDelayMs: 400));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 1) == 1, TimeSpan.FromSeconds(10), "step 1 to start");

        var stopwatch = Stopwatch.StartNew();
        await draining.StopAsync();
        stopwatch.Stop();
        await using var successor = await EngineHost.StartAsync(database, log);
        var tree = await successor.Client.UntilFinishedAsync(run.RunId);
        await draining.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(4));
        var handedAt = tree.Steps.Count(s => s.ExecutorId == draining.Executor.ExecutorId);
        Assert.InRange(handedAt, 2, 8);
        Assert.All(tree.Steps.Skip(handedAt), s => Assert.Equal(successor.Executor.ExecutorId, s.ExecutorId));
        for (var step = 0; step < handedAt; step++)
            Assert.Equal(1, log.StepRuns(run.RunId, step));
        Assert.Equal(55 - 10, tree.Output!.Value.GetInt32());
    }

    [Fact]
    public async Task A_handover_wakes_an_idle_executor_at_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var draining = await EngineHost.StartAsync(database, log);
        var run = await draining.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(2, GateBeforeStep: 1));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 1) == 1, TimeSpan.FromSeconds(10), "step 1 to start");
        // Polls once at start, then only a notification can make it claim within the next minute.
        await using var resumer = await EngineHost.StartAsync(database, log,
            configure: s => s["Workflows:PollingInterval"] = "00:01:00");

        await draining.StopAsync();
        log.Open(run.RunId.ToString());
        var tree = await resumer.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(10));
        await draining.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(resumer.Executor.ExecutorId, tree.ExecutorId);
        Assert.Equal(1, log.StepRuns(run.RunId, 0));
    }

    [Fact]
    public async Task Work_that_finishes_within_the_completion_timeout_is_not_handed_over()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var draining = await EngineHost.StartAsync(database, log);
        var run = await draining.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(4, StepDelayMs: 200));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 0) == 1, TimeSpan.FromSeconds(10), "step 0 to start");

        await draining.StopAsync();
        var tree = await draining.Client.GetRunAsync(run.RunId, CancellationToken.None);
        await draining.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree!.Status);
        Assert.Equal(1, tree.Attempt);
        Assert.All(tree.Steps, s => Assert.Equal(draining.Executor.ExecutorId, s.ExecutorId));
    }

    [Fact]
    public async Task A_draining_executor_claims_nothing_new_and_reports_draining()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var draining = await EngineHost.StartAsync(database, log);
        var busy = await draining.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1, GateBeforeStep: 0));
        await Eventually.TrueAsync(() => log.StepRuns(busy.RunId, 0) == 1, TimeSpan.FromSeconds(10), "the busy step to start");

        var stop = draining.StopAsync();
        await Eventually.TrueAsync(() => draining.Executor.State == "draining", TimeSpan.FromSeconds(5), "draining state");
        var status = draining.Executor.GetStatus();
        var late = await draining.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1));
        await Task.Delay(700);
        var lateTree = await draining.Client.GetRunAsync(late.RunId, CancellationToken.None);
        log.Open(busy.RunId.ToString());
        await stop;
        await draining.DisposeAsync();

        Assert.Equal(WorkflowStatus.Enqueued, lateTree!.Status);
        Assert.NotNull(status.DrainStartedAt);
        Assert.Equal(status.DrainStartedAt + TimeSpan.FromSeconds(2), status.DrainDeadline);
        Assert.Single(status.InFlight);
        Assert.Equal("stopped", draining.Executor.State);
    }
}
