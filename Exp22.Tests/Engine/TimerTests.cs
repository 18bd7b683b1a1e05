using System.Diagnostics;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Npgsql;

namespace Exp22.Tests.Engine;

public sealed class TimerTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_sleep_holds_no_slot_a_drain_does_not_wait_for_it_and_another_executor_wakes_it_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var first = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register);
        var run = await first.Client.EnqueueAsync<SleepWorkflow, SleepInput, string>(new SleepInput(SleepMs: 4000));
        await Eventually.TrueAsync(async () => first.Executor.InFlightCount == 0 && await NotBeforeAsync(database, run.RunId) is not null,
            TimeSpan.FromSeconds(10), "the workflow to park for its sleep");

        Assert.Equal(1, log.StepRuns(run.RunId, 0));
        Assert.Empty(first.Executor.GetStatus().InFlight);
        var drain = Stopwatch.StartNew();
        await first.StopAsync();
        drain.Stop();
        await using var second = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register);
        var tree = await second.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(20));
        await first.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        // The completion timeout is 2 s: a drain that waited for the sleeper would take that long.
        Assert.True(drain.Elapsed < TimeSpan.FromSeconds(1.5), $"the drain took {drain.Elapsed}");
        Assert.Equal(second.Executor.ExecutorId, tree.Output!.Value.GetString());
        // Claimed twice: before the sleep, and once after it (not again and again while it slept).
        Assert.Equal(2, tree.Attempt);
        Assert.Equal(1, log.StepRuns(run.RunId, 0));
        Assert.Equal(1, log.StepRuns(run.RunId, 1));
        var sleep = Assert.Single(tree.Steps, s => s.Name == "exp22.sleep");
        var wakeAt = sleep.Output!.Value.GetDateTimeOffset();
        Assert.InRange(wakeAt - sleep.StartedAt, TimeSpan.FromSeconds(3.9), TimeSpan.FromSeconds(4.1));
        var after = tree.Steps.Single(s => s.Name == "after");
        // Woken no later than the polling interval (250 ms) after the wake-up time, with room for a loaded machine.
        Assert.InRange(after.StartedAt - wakeAt, TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Replay_after_the_wake_up_does_not_sleep_again()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var first = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register);
        var run = await first.Client.EnqueueAsync<SleepWorkflow, SleepInput, string>(new SleepInput(SleepMs: 3000, GateAfterSleep: true));
        await Eventually.TrueAsync(() => log.StepRuns(run.RunId, 1) == 1, TimeSpan.FromSeconds(15), "the step after the sleep to start");

        await first.StopAsync();
        log.Open(run.RunId.ToString());
        var resumed = Stopwatch.StartNew();
        await using var second = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register);
        var tree = await second.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(20));
        resumed.Stop();
        await first.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(second.Executor.ExecutorId, tree.Output!.Value.GetString());
        Assert.True(resumed.Elapsed < TimeSpan.FromSeconds(2), $"the resumed execution took {resumed.Elapsed}: it slept again");
        Assert.Equal(2, log.StepRuns(run.RunId, 1));
        Assert.Single(tree.Steps, s => s.Name == "exp22.sleep");
    }

    [Fact]
    public async Task A_sleep_resumes_on_the_executor_that_parked_it_before_the_next_poll()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register,
            configure: s => s["Workflows:PollingInterval"] = "00:01:00");
        var started = Stopwatch.StartNew();
        var run = await engine.Client.EnqueueAsync<SleepWorkflow, SleepInput, string>(new SleepInput(SleepMs: 1000));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(15));

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
    }

    private static async Task<DateTimeOffset?> NotBeforeAsync(string database, Guid id)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT not_before FROM exp22.workflows WHERE id = @id AND status = 'ENQUEUED' AND executor_id IS NULL", connection);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync() is DateTime value ? new DateTimeOffset(value, TimeSpan.Zero) : null;
    }
}
