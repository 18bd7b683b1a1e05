using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Exp22.Workflows.Execution;

namespace Exp22.Tests.Engine;

/// <summary>
/// Crash recoveries are counted per workflow (a drain's handover is not one), and past
/// Workflows:MaxRecoveryAttempts a workflow ends MAX_RECOVERY_EXCEEDED instead of running again.
/// </summary>
public sealed class RecoveryCapTests
{
    [Fact]
    public async Task A_survivor_recovering_a_dead_executors_workflow_counts_one_recovery_and_names_the_dead()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var doomed = await EngineHost.StartAsync(database, log);
        var run = await doomed.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(3, GateBeforeStep: 1));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 1) == 1, TimeSpan.FromSeconds(10), "step 1 to start");

        await doomed.AbandonAsync();
        await using var survivor = await EngineHost.StartAsync(database, log);
        log.Open(run.RunId.ToString());
        var tree = await survivor.Client.UntilFinishedAsync(run.RunId);
        await doomed.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(1, tree.Recoveries);
        Assert.Equal(doomed.Executor.ExecutorId, tree.LastRecoveredFrom);
        Assert.NotNull(tree.LastRecoveredAt);
    }

    [Fact]
    public async Task A_drains_handover_is_not_a_recovery()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var draining = await EngineHost.StartAsync(database, log,
            configure: s => s["Workflows:WorkflowCompletionTimeout"] = "00:00:00.200");
        var run = await draining.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(3, GateBeforeStep: 1));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 1) == 1, TimeSpan.FromSeconds(10), "step 1 to start");

        await draining.StopAsync();
        await using var successor = await EngineHost.StartAsync(database, log);
        log.Open(run.RunId.ToString());
        var tree = await successor.Client.UntilFinishedAsync(run.RunId);
        await draining.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(2, tree.Attempt);
        Assert.Equal(0, tree.Recoveries);
        Assert.Null(tree.LastRecoveredFrom);
    }

    [Fact]
    public async Task Past_the_cap_a_workflow_ends_max_recovery_exceeded_without_running_its_parent_fails_and_a_resume_continues_both()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var executorId = EngineHost.FastSettings()["Workflows:ExecutorId"];
        // One id restarted over and over, as a supervisor restarts a crashing pod: each new process takes
        // back what the previous one died holding (one recovery each); nobody else recovers anything.
        void Settings(Dictionary<string, string?> s)
        {
            s["Workflows:ExecutorId"] = executorId;
            s["Workflows:HeartbeatTimeout"] = "00:05:00";
            s["Workflows:MaxRecoveryAttempts"] = "1";
        }

        var process = await EngineHost.StartAsync(database, log, configure: Settings);
        var run = await process.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(1, new StepsInput(2, GateBeforeStep: 1)));
        for (var crash = 1; crash <= 2; crash++)
        {
            var child = (await process.Client.GetRunAsync(run.RunId, CancellationToken.None))?.Children.SingleOrDefault();
            await Eventually.TrueAsync(async () =>
            {
                child = (await process.Client.GetRunAsync(run.RunId, CancellationToken.None))?.Children.SingleOrDefault();
                return child is not null && log.StepRuns(child.Id, 1) == crash;
            }, TimeSpan.FromSeconds(15), $"the child's step 1 to start (execution {crash})");
            await process.AbandonAsync();
            await process.DisposeAsync();
            process = await EngineHost.StartAsync(database, log, configure: Settings);
        }

        await using (process)
        {
            var tree = await process.Client.UntilFinishedAsync(run.RunId);
            var child = Assert.Single(tree.Children);

            Assert.Equal(WorkflowStatus.MaxRecoveryExceeded, child.Status);
            Assert.Equal(2, child.Recoveries);
            Assert.Equal(executorId, child.LastRecoveredFrom);
            Assert.Contains("MaxRecoveryAttempts is 1", child.Error);
            Assert.NotNull(child.CompletedAt);
            Assert.Equal(2, log.StepRuns(child.Id, 1));
            Assert.Equal(1, log.StepRuns(child.Id, 0));
            Assert.Equal(WorkflowStatus.Error, tree.Status);
            Assert.Contains(WorkflowStatus.MaxRecoveryExceeded, tree.Error);
            Assert.Equal(0, tree.Recoveries);

            // The operator fixes what killed it and resumes the run: the capped child goes on from its
            // checkpoint (step 0 is not run again) and the run succeeds.
            log.Open(child.Id.ToString());
            Assert.Equal(ResumeOutcome.Resumed, await process.Client.ResumeAsync(run.RunId, CancellationToken.None));
            var resumed = await process.Client.UntilFinishedAsync(run.RunId);

            Assert.Equal(WorkflowStatus.Success, resumed.Status);
            Assert.Equal(WorkflowStatus.Success, Assert.Single(resumed.Children).Status);
            Assert.Equal(3, log.StepRuns(child.Id, 1));
            Assert.Equal(1, log.StepRuns(child.Id, 0));
        }
    }

    [Fact]
    public async Task A_workflow_that_moves_on_between_crashes_is_never_capped()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var executorId = EngineHost.FastSettings()["Workflows:ExecutorId"];
        void Settings(Dictionary<string, string?> s)
        {
            s["Workflows:ExecutorId"] = executorId;
            s["Workflows:HeartbeatTimeout"] = "00:05:00";
            s["Workflows:MaxRecoveryAttempts"] = "1";
        }

        var process = await EngineHost.StartAsync(database, log, configure: Settings, registerMore: w => w.AddWorkflow<GatedStepsWorkflow>());
        var run = await process.Client.EnqueueAsync<GatedStepsWorkflow, int, int>(4);
        // Three crashes, each after one more checkpoint than the last: a long workflow on an unlucky fleet.
        for (var step = 1; step <= 3; step++)
        {
            var waitingAt = step;
            await Eventually.TrueAsync(() => log.StepRuns(run.RunId, waitingAt) >= 1, TimeSpan.FromSeconds(15), $"step {step} to start");
            await process.AbandonAsync();
            await process.DisposeAsync();
            log.Open(GatedStepsWorkflow.Gate(run.RunId, step));
            process = await EngineHost.StartAsync(database, log, configure: Settings, registerMore: w => w.AddWorkflow<GatedStepsWorkflow>());
        }

        await using (process)
        {
            var tree = await process.Client.UntilFinishedAsync(run.RunId);

            Assert.Equal(WorkflowStatus.Success, tree.Status);
            Assert.Equal(3, tree.Recoveries);
            Assert.Equal(1, tree.RecoveriesWithoutProgress);
        }
    }

    [Fact]
    public async Task A_workflow_no_executor_knows_waits_enqueued_until_one_that_knows_it_starts()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var older = await EngineHost.StartAsync(database, log);
        var unknown = await older.Client.EnqueueAsync<NewerReleaseWorkflow, int, int>(41);
        var known = await older.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(2));

        Assert.Equal(WorkflowStatus.Success, (await older.Client.UntilFinishedAsync(known.RunId)).Status);
        await Task.Delay(TimeSpan.FromSeconds(1)); // four polling intervals of the executor that does not know it
        var waiting = await older.Client.GetRunAsync(unknown.RunId, CancellationToken.None);
        Assert.Equal(WorkflowStatus.Enqueued, waiting!.Status);
        Assert.Equal(0, waiting.Attempt);
        Assert.Equal(ExecutorStates.Running, older.Executor.State);

        await using var newer = await EngineHost.StartAsync(database, log, registerMore: w => w.AddWorkflow<NewerReleaseWorkflow>());
        var tree = await newer.Client.UntilFinishedAsync(unknown.RunId);

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(newer.Executor.ExecutorId, tree.ExecutorId);
        Assert.Equal(42, tree.Output!.Value.GetInt32());
    }
}

/// <summary>A workflow that only some executors register, as after a deploy that added it.</summary>
[WorkflowName("from-a-newer-release")]
public sealed class NewerReleaseWorkflow : Workflow<int, int>
{
    public override Task<int> RunAsync(WorkflowContext context, int input) =>
        context.RunStepAsync("add-one", _ => Task.FromResult(input + 1));
}

/// <summary>Steps 1 and later each wait at their own gate, so a test decides how far every execution gets.</summary>
[WorkflowName("gated-steps")]
public sealed class GatedStepsWorkflow(ExecutionLog log) : Workflow<int, int>
{
    public static string Gate(Guid workflowId, int step) => $"{workflowId}/{step}";

    public override async Task<int> RunAsync(WorkflowContext context, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            var index = i;
            await context.RunStepAsync($"step-{index}", async ct =>
            {
                log.StepRan(context.WorkflowId, index);
                if (index > 0)
                    await log.Gate(Gate(context.WorkflowId, index)).WaitAsync(ct);
                return index;
            });
        }

        return steps;
    }
}
