using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Tests.Engine;

public sealed class ExecutionTests
{
    [Fact]
    public async Task A_workflow_runs_its_steps_and_checkpoints_each_once()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);

        var run = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(4));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(0 + 1 + 2 + 3, tree.Output!.Value.GetInt32());
        Assert.Equal([0, 1, 2, 3], tree.Steps.Select(s => s.Index));
        Assert.All(tree.Steps, s =>
        {
            Assert.Equal(engine.Executor.ExecutorId, s.ExecutorId);
            Assert.Equal(1, s.Attempt);
            Assert.Equal(WorkflowStatus.Success, s.Status);
        });
        Assert.Equal(engine.Executor.ExecutorId, tree.ExecutorId);
        Assert.Equal(4, log.TotalStepRuns);
    }

    [Fact]
    public async Task Replay_returns_checkpointed_steps_without_running_them_again()
    {
        // The parent runs its steps, parks while its children run, and is replayed from the top
        // when they finish: its steps must come from their checkpoints.
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);

        var run = await engine.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(Children: 3, Child: new StepsInput(2, StepDelayMs: 50), BeforeSteps: 3));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.True(tree.Attempt >= 2, $"the parent should have been replayed, attempt {tree.Attempt}");
        for (var step = 0; step < 3; step++)
            Assert.Equal(1, log.StepRuns(run.RunId, step));
    }

    [Fact]
    public async Task A_failing_step_is_retried_with_backoff_and_records_its_tries()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);

        var run = await engine.Client.EnqueueAsync<FlakyStepWorkflow, int, string>(2);
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(3, Assert.Single(tree.Steps).Tries);
        Assert.Equal(3, log.StepRuns(run.RunId, 0));
    }

    [Fact]
    public async Task A_step_that_exhausts_its_retries_fails_the_workflow_with_its_error()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);

        var run = await engine.Client.EnqueueAsync<FlakyStepWorkflow, int, string>(5);
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Error, tree.Status);
        Assert.Contains("transient", tree.Error);
        var step = Assert.Single(tree.Steps);
        Assert.Equal(WorkflowStatus.Error, step.Status);
        Assert.Contains("TimeoutException", step.Error);
    }

    [Fact]
    public async Task A_workflow_that_throws_ends_in_error_with_the_error_stored()
    {
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog());

        var run = await engine.Client.EnqueueAsync<ThrowingWorkflow, string, string>("boom at 3");
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Error, tree.Status);
        Assert.Equal("InvalidOperationException: boom at 3", tree.Error);
        Assert.NotNull(tree.CompletedAt);
    }

    [Fact]
    public async Task A_parent_awaiting_a_failed_child_sees_the_child_error()
    {
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog());

        var run = await engine.Client.EnqueueAsync<ParentOfFailingChildWorkflow, string, string>("disk full");
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal("child said: InvalidOperationException: disk full", tree.Output!.Value.GetString());
        Assert.Equal(WorkflowStatus.Error, Assert.Single(tree.Children).Status);
    }

    [Fact]
    public async Task A_failed_child_fails_a_parent_that_does_not_catch()
    {
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog());

        var run = await engine.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(Children: 3, Child: new StepsInput(2, FailAtStep: 1)));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Error, tree.Status);
        Assert.Contains("step 1 broke", tree.Error);
        Assert.All(tree.Children, c => Assert.Equal(WorkflowStatus.Error, c.Status));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_fan_out_wider_than_the_concurrency_completes()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log,
            configure: s => s["Workflows:Concurrency"] = "4");

        var run = await engine.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(Children: 50, Child: new StepsInput(2)));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(60));

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(50, tree.Children.Count);
        Assert.All(tree.Children, c => Assert.Equal(WorkflowStatus.Success, c.Status));
        Assert.Equal(50, tree.Output!.Value.GetArrayLength());
    }

    [Fact]
    public async Task A_waiting_parent_holds_no_slot_even_at_concurrency_one()
    {
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog(),
            configure: s => s["Workflows:Concurrency"] = "1");

        var run = await engine.Client.EnqueueAsync<NestedWorkflow, NestedInput, int>(new NestedInput(Depth: 2, Width: 3));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(9, tree.Output!.Value.GetInt32());
    }

    [Fact]
    public async Task Nested_workflows_form_one_run_tree()
    {
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog());

        var run = await engine.Client.EnqueueAsync<NestedWorkflow, NestedInput, int>(new NestedInput(Depth: 3, Width: 2));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(8, tree.Output!.Value.GetInt32());
        Assert.Equal(2, tree.Children.Count);
        Assert.All(tree.Children.SelectMany(c => c.Children).SelectMany(c => c.Children),
            leaf => Assert.Equal("leaf", Assert.Single(leaf.Steps).Name));
        Assert.Equal(8, tree.StepsDoneInTree);
        Assert.Equal([0, 1], tree.Children.Select(c => c.ChildIndex!.Value));
    }

    [Fact]
    public async Task Children_run_on_their_own_queue()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var parents = await EngineHost.StartAsync(database, log);
        var run = await parents.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(Children: 2, Child: new StepsInput(1), ChildQueue: "side"));

        await Eventually.TrueAsync(async () =>
            (await parents.Client.GetRunAsync(run.RunId, CancellationToken.None))!.Children.Count == 2,
            TimeSpan.FromSeconds(10), "children to be enqueued");
        await Task.Delay(500);
        var waiting = await parents.Client.GetRunAsync(run.RunId, CancellationToken.None);
        Assert.All(waiting!.Children, c => Assert.Equal(WorkflowStatus.Enqueued, c.Status));

        await using var side = await EngineHost.StartAsync(database, log, configure: s => s["Workflows:Queues:0"] = "side");
        var tree = await parents.Client.UntilFinishedAsync(run.RunId);
        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.All(tree.Children, c => Assert.Equal(side.Executor.ExecutorId, c.ExecutorId));
    }

    [Fact]
    public async Task A_workflow_whose_replay_takes_another_path_fails_instead_of_mixing_histories()
    {
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog());

        var run = await engine.Client.EnqueueAsync<NonDeterministicWorkflow, int, int>(0);
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Error, tree.Status);
        Assert.Contains(nameof(NonDeterministicWorkflowException), tree.Error);
    }

    [Fact]
    public async Task A_notification_wakes_an_idle_executor_long_before_its_polling_interval()
    {
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog(),
            configure: s => s["Workflows:PollingInterval"] = "00:01:00");
        await Task.Delay(300);

        var run = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(20));

        Assert.Equal(WorkflowStatus.Success, tree.Status);
    }

    [Fact]
    public async Task Started_children_wake_an_idle_executor_long_before_its_polling_interval()
    {
        // The children are claimed by a second executor alone: its only prompt news of them is the notification their start sends.
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var parentSide = await EngineHost.StartAsync(database, new ExecutionLog(),
            configure: s => { s["Workflows:PollingInterval"] = "00:01:00"; s["Workflows:Queues:0"] = "default"; });
        await using var childSide = await EngineHost.StartAsync(database, new ExecutionLog(),
            configure: s => { s["Workflows:PollingInterval"] = "00:01:00"; s["Workflows:Queues:0"] = "children"; });
        await Task.Delay(300);

        var run = await parentSide.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(
            new FanOutInput(2, new StepsInput(1), ChildQueue: "children"));
        var tree = await parentSide.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(20));

        Assert.Equal(WorkflowStatus.Success, tree.Status);
    }

    [Fact]
    public async Task Polling_finds_work_that_arrived_without_a_notification()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog());
        var id = Guid.NewGuid();

        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(database))
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO exp22.workflows (id, run_id, name, queue, status, input)
            VALUES (@id, @id, 'steps', 'default', 'ENQUEUED', '{"steps": 1}')
            """))
        {
            insert.Parameters.AddWithValue("id", id);
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal(WorkflowStatus.Success, (await engine.Client.UntilFinishedAsync(id)).Status);
    }

    [Fact]
    public async Task The_status_shows_in_flight_workflows_with_their_progress()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log);
        var run = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(4, GateBeforeStep: 2));

        await Eventually.TrueAsync(() => engine.Executor.GetStatus().InFlight is [{ StepsDone: 2 }],
            TimeSpan.FromSeconds(10), "two steps done");
        var status = engine.Executor.GetStatus();
        log.Open(run.RunId.ToString());
        await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal("running", status.State);
        var inFlight = Assert.Single(status.InFlight);
        Assert.Equal(run.RunId, inFlight.WorkflowId);
        Assert.Equal("step-2", inFlight.CurrentStep);
        Assert.Empty(engine.Executor.GetStatus().InFlight);
    }
}
