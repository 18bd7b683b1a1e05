using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Monitoring;

/// <summary>
/// The monitoring read models against real executors and a real PostgreSQL: what the workflows dashboard
/// shows must be in the database, written by the executors themselves.
/// </summary>
public sealed class WorkflowMonitorTests
{
    private static WorkflowMonitor MonitorOf(EngineHost host) => host.Services.GetRequiredService<WorkflowMonitor>();

    private static async Task<ExecutorView> ExecutorAsync(WorkflowMonitor monitor, string id) =>
        (await monitor.ListExecutorsAsync(CancellationToken.None)).Executors.Single(e => e.ExecutorId == id);

    private static async Task<ExecutorView> UntilExecutorAsync(WorkflowMonitor monitor, string id, Func<ExecutorView, bool> condition, string what)
    {
        ExecutorView? view = null;
        await Eventually.TrueAsync(async () => condition(view = await ExecutorAsync(monitor, id)), TimeSpan.FromSeconds(15), what);
        return view!;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_drain_shows_its_deadline_and_work_in_flight_then_the_exit_and_the_handover_in_the_run_tree()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var draining = await EngineHost.StartAsync(database, log);
        var monitor = MonitorOf(draining);
        // 10 steps of 400 ms against a 2 s completion timeout: the drain must hand the rest over.
        var run = await draining.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(10, StepDelayMs: 400));
        var id = draining.Executor.ExecutorId;

        var busy = await UntilExecutorAsync(monitor, id, e => e.InFlight.Any(w => w.StepsDone >= 1 && w.CurrentStep is not null),
            "a heartbeat listing the workflow with its current step");
        var stop = draining.StopAsync();
        var drain = await UntilExecutorAsync(monitor, id, e => e.State == MonitoredExecutorStates.Draining, "the drain in the table");
        await stop;
        var left = await ExecutorAsync(monitor, id);
        await using var successor = await EngineHost.StartAsync(database, log);
        await successor.Client.UntilFinishedAsync(run.RunId);
        var tree = await MonitorOf(successor).GetRunAsync(run.RunId, CancellationToken.None);
        await draining.DisposeAsync();

        Assert.Equal(MonitoredExecutorStates.Running, busy.State);
        var flight = Assert.Single(busy.InFlight);
        Assert.Equal(run.RunId, flight.WorkflowId);
        Assert.StartsWith("step-", flight.CurrentStep);
        Assert.Equal(1, busy.InFlightCount);
        Assert.Equal(1, busy.WorkflowsHeld);
        Assert.Equal(8, busy.Concurrency);
        Assert.Equal(["default"], busy.Queues);

        Assert.NotNull(drain.DrainStartedAt);
        Assert.Equal(TimeSpan.FromSeconds(2), drain.DrainDeadline - drain.DrainStartedAt);
        Assert.Null(drain.GoneBecause);

        Assert.Equal(MonitoredExecutorStates.Gone, left.State);
        Assert.Equal(MonitoredExecutorStates.Left, left.GoneBecause);
        Assert.Equal(0, left.InFlightCount);
        Assert.Empty(left.InFlight);
        Assert.InRange((left.StoppedAt - left.DrainStartedAt)!.Value, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(5));

        var handover = Assert.Single(tree!.Root.Handovers);
        Assert.Equal(new HandoverView(2, InterruptionReasons.Handover, id, successor.Executor.ExecutorId, handover.At), handover);
        Assert.InRange(handover.At, left.DrainDeadline!.Value.AddSeconds(-0.5), left.StoppedAt!.Value);
        Assert.All(tree.Root.Steps.Where(s => s.Attempt == 1), s => Assert.Equal(id, s.ExecutorId));
        Assert.All(tree.Root.Steps.Where(s => s.Attempt == 2), s => Assert.Equal(successor.Executor.ExecutorId, s.ExecutorId));
        Assert.Contains(tree.Root.Steps, s => s.Attempt == 2);
    }

    [Fact]
    public async Task A_silent_executor_is_gone_holding_its_work_and_the_recovery_is_marked_where_it_happened()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var dying = await EngineHost.StartAsync(database, log);
        var run = await dying.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(2, GateBeforeStep: 1));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 1) == 1, TimeSpan.FromSeconds(10), "step 1 to start");
        await dying.AbandonAsync();
        var monitor = MonitorOf(dying);
        var silent = await UntilExecutorAsync(monitor, dying.Executor.ExecutorId, e => e.State == MonitoredExecutorStates.Gone,
            "the abandoned executor to be judged gone");

        log.Open(run.RunId.ToString());
        await using var survivor = await EngineHost.StartAsync(database, log);
        await survivor.Client.UntilFinishedAsync(run.RunId);
        var tree = await monitor.GetRunAsync(run.RunId, CancellationToken.None);
        await dying.DisposeAsync();

        Assert.Equal(MonitoredExecutorStates.Silent, silent.GoneBecause);
        Assert.Equal(1, silent.WorkflowsHeld);
        var recovery = Assert.Single(tree!.Root.Handovers);
        Assert.Equal(InterruptionReasons.Recovery, recovery.Reason);
        Assert.Equal((2, dying.Executor.ExecutorId, survivor.Executor.ExecutorId),
            (recovery.Attempt, recovery.FromExecutor, recovery.ToExecutor));
    }

    [Fact]
    public async Task A_failed_step_keeps_a_one_line_error_and_stores_its_stack_trace_beside_it()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog());
        var run = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(3, FailAtStep: 1));
        var node = await engine.Client.UntilFinishedAsync(run.RunId);
        var tree = await MonitorOf(engine).GetRunAsync(run.RunId, CancellationToken.None);

        var failed = tree!.Root.Steps.Single(s => s.Status == WorkflowStatus.Error);
        Assert.Equal("InvalidOperationException: step 1 broke", failed.Error);
        Assert.Equal(failed.Error, node.Steps.Single(s => s.Error is not null).Error);
        Assert.StartsWith("System.InvalidOperationException: step 1 broke", failed.ErrorDetail);
        Assert.Contains($"at {typeof(StepsWorkflow).FullName}", failed.ErrorDetail);
        Assert.Equal(WorkflowStatus.Error, tree.Root.Status);
        Assert.Equal(node.Error, tree.Root.Error);
        Assert.DoesNotContain('\n', tree.Root.Error!);
        Assert.StartsWith($"{typeof(StepFailedException).FullName}: Step 'step-1' failed", tree.Root.ErrorDetail);
        Assert.Contains(" at ", tree.Root.ErrorDetail);
    }

    [Fact]
    public async Task The_overview_counts_what_waits_and_what_finished_per_queue_and_per_bucket()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var client = await EngineHost.StartAsync(database, log, executor: false);
        var monitor = MonitorOf(client);
        foreach (var _ in Enumerable.Range(0, 3))
            await client.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1));
        var cancelled = await client.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1));
        await client.Client.CancelAsync(cancelled.RunId, CancellationToken.None);
        await client.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), queue: "reports");
        var waiting = await monitor.GetOverviewAsync(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5), CancellationToken.None);

        var fanOut = await client.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(new FanOutInput(3, new StepsInput(1)));
        await using (var executor = await EngineHost.StartAsync(database, log, configure: s => s["Workflows:Queues:0"] = "default"))
            await executor.Client.UntilFinishedAsync(fanOut.RunId);
        var done = await monitor.GetOverviewAsync(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5), CancellationToken.None);

        StatusCount Count(FleetOverview o, string status) => o.Statuses.Single(s => s.Status == status);
        Assert.Equal(WorkflowStatus.All, waiting.Statuses.Select(s => s.Status));
        Assert.Equal(4, Count(waiting, WorkflowStatus.Enqueued).Workflows);
        Assert.Equal(1, Count(waiting, WorkflowStatus.Cancelled).Workflows);
        Assert.True(Count(waiting, WorkflowStatus.Cancelled).WithinWindow);
        Assert.Equal([new QueueDepth("default", 3, 0, 0), new QueueDepth("reports", 1, 0, 0)], waiting.Queues);
        Assert.Equal(61, waiting.Throughput.Count);
        Assert.All(waiting.Throughput.Zip(waiting.Throughput.Skip(1)), p => Assert.Equal(TimeSpan.FromSeconds(5), p.Second.Start - p.First.Start));
        Assert.Equal(0, waiting.Throughput.Sum(p => p.Started));

        // 3 demo-like steps runs + the fan-out's parent and 3 children finished; the "reports" run still waits.
        Assert.Equal(7, Count(done, WorkflowStatus.Success).Workflows);
        Assert.Equal(4, Count(done, WorkflowStatus.Success).Runs);
        Assert.Equal([new QueueDepth("reports", 1, 0, 0)], done.Queues);
        Assert.Equal(7, done.Throughput.Sum(p => p.Started));
        Assert.Equal(7, done.Throughput.Sum(p => p.Succeeded));
        Assert.Equal(1, done.Throughput.Sum(p => p.Cancelled));
        Assert.InRange(done.Now - done.Throughput[^1].Start, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_and_filtered_by_status_time_and_the_start_of_any_of_their_ids()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(database, log);
        var monitor = MonitorOf(engine);
        var fanOut = await engine.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(new FanOutInput(2, new StepsInput(2)));
        var tree = await engine.Client.UntilFinishedAsync(fanOut.RunId);
        var gated = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(2, GateBeforeStep: 1));
        await Eventually.TrueAsync(() => log.StepRuns(gated.RunId, 1) == 1, TimeSpan.FromSeconds(10), "the gated step");

        var all = await monitor.ListRunsAsync(new RunFilter(), CancellationToken.None);
        var running = await monitor.ListRunsAsync(new RunFilter(Status: WorkflowStatus.Running), CancellationToken.None);
        var before = await monitor.ListRunsAsync(new RunFilter(To: gated.CreatedAt), CancellationToken.None);
        var after = await monitor.ListRunsAsync(new RunFilter(From: gated.CreatedAt), CancellationToken.None);
        Assert.True(UuidPrefix.TryParse(tree.Children[1].Id.ToString()[..13], out var childPrefix));
        var byChild = await monitor.ListRunsAsync(new RunFilter(IdPrefix: childPrefix), CancellationToken.None);
        Assert.True(UuidPrefix.TryParse(gated.RunId.ToString("N"), out var exact));
        var byRun = await monitor.ListRunsAsync(new RunFilter(IdPrefix: exact), CancellationToken.None);
        var limited = await monitor.ListRunsAsync(new RunFilter(Limit: 1), CancellationToken.None);
        log.Open(gated.RunId.ToString());

        Assert.Equal([gated.RunId, fanOut.RunId], all.Runs.Select(r => r.RunId));
        var fanOutRow = all.Runs[1];
        Assert.Equal((WorkflowStatus.Success, 1 + 4, 3, 3), (fanOutRow.Status, fanOutRow.StepsDone, fanOutRow.Workflows, fanOutRow.WorkflowsFinished));
        Assert.Equal(2, fanOutRow.Input.GetProperty("children").GetInt32());
        Assert.Equal((1, 1, 0), (all.Runs[0].StepsDone, all.Runs[0].Workflows, all.Runs[0].WorkflowsFinished));
        Assert.Equal([gated.RunId], running.Runs.Select(r => r.RunId));
        Assert.Equal([fanOut.RunId], before.Runs.Select(r => r.RunId));
        Assert.Equal([gated.RunId], after.Runs.Select(r => r.RunId));
        Assert.Equal([fanOut.RunId], byChild.Runs.Select(r => r.RunId));
        Assert.Equal([gated.RunId], byRun.Runs.Select(r => r.RunId));
        Assert.Equal([gated.RunId], limited.Runs.Select(r => r.RunId));
    }

    [Fact]
    public async Task A_leaving_executor_forgets_executors_gone_for_an_hour_that_hold_nothing()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var engine = await EngineHost.StartAsync(database, new ExecutionLog());
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO exp22.executors (id, application_version, state, heartbeat_at, stopped_at) VALUES
                ('left-2h-ago', '1', 'stopped', now() - interval '2 hours', now() - interval '2 hours'),
                ('silent-2h-ago', '1', 'running', now() - interval '2 hours', NULL),
                ('left-50m-ago', '1', 'stopped', now() - interval '50 minutes', now() - interval '50 minutes')
            """))
            await insert.ExecuteNonQueryAsync();

        await engine.StopAsync();
        var remaining = (await MonitorOf(engine).ListExecutorsAsync(CancellationToken.None)).Executors.Select(e => e.ExecutorId);
        await engine.DisposeAsync();

        Assert.Equal(["left-50m-ago", engine.Executor.ExecutorId], remaining.Order());
    }

    [Fact]
    public async Task A_stopped_executor_is_never_alive_to_recovery_however_recent_its_last_heartbeat()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var log = new ExecutionLog();
        await using var client = await EngineHost.StartAsync(database, log, executor: false);
        var run = await client.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1));
        // What a drain whose handover failed leaves: a row that says stopped, a workflow it still holds.
        await using (var leftover = dataSource.CreateCommand("""
            INSERT INTO exp22.executors (id, application_version, state, stopped_at) VALUES ('left-now', '1', 'stopped', now());
            UPDATE exp22.workflows SET status = 'RUNNING', executor_id = 'left-now', attempt = 1 WHERE id = @id;
            """))
        {
            leftover.Parameters.AddWithValue("id", run.RunId);
            await leftover.ExecuteNonQueryAsync();
        }

        // A survivor that would wait a minute for a silent executor takes it at its first beat.
        await using var survivor = await EngineHost.StartAsync(database, log, configure: s => s["Workflows:HeartbeatTimeout"] = "00:01:00");
        var tree = await survivor.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(20));

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(survivor.Executor.ExecutorId, tree.ExecutorId);
    }

    [Theory]
    [InlineData("01a2", "01a20000-0000-0000-0000-000000000000", "01a2ffff-ffff-ffff-ffff-ffffffffffff")]
    [InlineData("01A20A7B-15CE", "01a20a7b-15ce-0000-0000-000000000000", "01a20a7b-15ce-ffff-ffff-ffffffffffff")]
    public void An_id_prefix_is_the_range_of_uuids_it_starts(string text, string low, string high)
    {
        Assert.True(UuidPrefix.TryParse(text, out var prefix));
        Assert.Equal((Guid.Parse(low), Guid.Parse(high)), (prefix.Low, prefix.High));
    }

    [Theory]
    [InlineData("")]
    [InlineData("xyz")]
    [InlineData("01a20a7b15ce78bcbcd4ab4c7b1755f1a")]
    public void Anything_but_1_to_32_hex_digits_is_no_id_prefix(string text) => Assert.False(UuidPrefix.TryParse(text, out _));
}
