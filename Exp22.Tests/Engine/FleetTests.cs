using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Tests.Engine;

/// <summary>Several executors on one database: the claims, the recovery of the dead, the drain.</summary>
public sealed class FleetTests
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Three_executors_complete_a_thousand_workflows_and_never_run_an_attempt_twice()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var api = await EngineHost.StartAsync(database, log, executor: false);
        var runs = new List<Guid>();
        for (var batch = 0; batch < 10; batch++)
        {
            runs.AddRange((await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
                api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(2))))).Select(r => r.RunId));
        }

        await using var a = await EngineHost.StartAsync(database, log);
        await using var b = await EngineHost.StartAsync(database, log);
        await using var c = await EngineHost.StartAsync(database, log);
        await Eventually.TrueAsync(async () =>
                (await api.Client.ListRunsAsync(new RunQuery(WorkflowStatus.Success, 2000), CancellationToken.None)).Count == 1000,
            TimeSpan.FromSeconds(90), "all 1000 runs to succeed");

        Assert.Equal(1000, runs.Distinct().Count());
        Assert.All(log.AttemptRunCounts, count => Assert.Equal(1, count));
        Assert.Equal(2000, log.TotalStepRuns);
        Assert.True(log.Executors.Count >= 2, $"work should spread over executors: {string.Join(", ", log.Executors)}");
    }

    [Fact]
    public async Task A_survivor_resumes_the_workflows_of_an_abandoned_executor_without_rerunning_checkpoints()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var doomed = await EngineHost.StartAsync(database, log);
        var run = await doomed.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(5, GateBeforeStep: 3));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 3) == 1, TimeSpan.FromSeconds(10), "step 3 to start");

        await doomed.AbandonAsync();
        await using var survivor = await EngineHost.StartAsync(database, log);
        log.Open(run.RunId.ToString());
        var started = DateTime.UtcNow;
        var tree = await survivor.Client.UntilFinishedAsync(run.RunId);
        await doomed.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(survivor.Executor.ExecutorId, tree.ExecutorId);
        Assert.Equal(2, tree.Attempt);
        Assert.Equal([1, 1, 1], Enumerable.Range(0, 3).Select(step => log.StepRuns(run.RunId, step)));
        Assert.Equal(2, log.StepRuns(run.RunId, 3));
        Assert.Equal([doomed.Executor.ExecutorId, doomed.Executor.ExecutorId, doomed.Executor.ExecutorId],
            tree.Steps.Take(3).Select(s => s.ExecutorId));
        Assert.All(tree.Steps.Skip(3), s => Assert.Equal(survivor.Executor.ExecutorId, s.ExecutorId));
        // Heartbeat timeout 1.5 s + one 0.2 s heartbeat interval, with room for a slow machine.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_live_executor_keeps_its_workflows_while_others_heartbeat()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var owner = await EngineHost.StartAsync(database, log);
        var run = await owner.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(2, GateBeforeStep: 1));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 1) == 1, TimeSpan.FromSeconds(10), "step 1 to start");

        await using var other = await EngineHost.StartAsync(database, log);
        await Task.Delay(TimeSpan.FromSeconds(3)); // two heartbeat timeouts
        log.Open(run.RunId.ToString());
        var tree = await owner.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(1, tree.Attempt);
        Assert.Equal(owner.Executor.ExecutorId, tree.ExecutorId);
        Assert.Equal(1, log.StepRuns(run.RunId, 1));
    }

    [Fact]
    public async Task A_restarted_executor_takes_back_what_its_previous_process_left_at_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var settings = EngineHost.FastSettings();
        void SameIdSlowRecovery(Dictionary<string, string?> s)
        {
            s["Workflows:ExecutorId"] = settings["Workflows:ExecutorId"];
            s["Workflows:HeartbeatTimeout"] = "00:05:00";
        }

        var first = await EngineHost.StartAsync(database, log, configure: SameIdSlowRecovery);
        var run = await first.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(3, GateBeforeStep: 1));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 1) == 1, TimeSpan.FromSeconds(10), "step 1 to start");
        await first.AbandonAsync();
        await first.DisposeAsync();

        log.Open(run.RunId.ToString());
        await using var second = await EngineHost.StartAsync(database, log, configure: SameIdSlowRecovery);
        var tree = await second.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(20));

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(2, tree.Attempt);
        Assert.Equal(1, log.StepRuns(run.RunId, 0));
    }
}
