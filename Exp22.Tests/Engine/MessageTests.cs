using System.Diagnostics;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Npgsql;

namespace Exp22.Tests.Engine;

public sealed class MessageTests
{
    [Fact]
    public async Task A_message_sent_before_the_receive_is_delivered_once()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log, registerMore: SignalWorkflows.Register);
        var run = await engine.Client.EnqueueAsync<ReceiveWorkflow, ReceiveInput, string?[]>(
            new ReceiveInput(Count: 2, TimeoutMs: 500, GateBefore: true));

        Assert.Equal(SendOutcome.Sent, await engine.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "early"));
        log.Open($"{run.RunId}-before");
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal("early,(none)", Received(tree));
    }

    [Fact]
    public async Task A_waiting_receiver_is_parked_without_a_slot_and_a_send_wakes_it_through_a_notification()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        // Polls once at start: within the next minute only a notification can make it claim.
        await using var engine = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register,
            configure: s => s["Workflows:PollingInterval"] = "00:01:00");
        var run = await engine.Client.EnqueueAsync<ReceiveWorkflow, ReceiveInput, string?[]>(new ReceiveInput(Count: 1, TimeoutMs: 60_000));
        await Eventually.TrueAsync(async () => engine.Executor.InFlightCount == 0 && await WaitingTopicAsync(database, run.RunId) == ReceiveWorkflow.Topic,
            TimeSpan.FromSeconds(10), "the receiver to park");

        var sent = Stopwatch.StartNew();
        Assert.Equal(SendOutcome.Sent, await engine.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "during"));
        var tree = await engine.Client.UntilFinishedAsync(run.RunId, TimeSpan.FromSeconds(10));

        Assert.Equal("during", Received(tree));
        Assert.True(sent.Elapsed < TimeSpan.FromSeconds(5), $"woken after {sent.Elapsed}");
        Assert.Equal(2, tree.Attempt);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Messages_around_a_handover_are_each_delivered_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var first = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register);
        var run = await first.Client.EnqueueAsync<ReceiveWorkflow, ReceiveInput, string?[]>(
            new ReceiveInput(Count: 3, TimeoutMs: 1000, GateAfterFirst: true));
        await first.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "one");
        await Eventually.TrueAsync(() => log.Gates.ContainsKey($"{run.RunId}-after"), TimeSpan.FromSeconds(10),
            "the first message to be received");

        // Held at its gate past the completion timeout: handed over with the first message consumed.
        await first.StopAsync();
        await first.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "two");
        log.Open($"{run.RunId}-after");
        await using var second = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register);
        var tree = await second.Client.UntilFinishedAsync(run.RunId);
        await first.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal("one,two,(none)", Received(tree));
        Assert.Equal(0, await UnconsumedAsync(database, run.RunId));
    }

    [Fact]
    public async Task A_resend_with_the_same_key_is_delivered_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register);
        var run = await engine.Client.EnqueueAsync<ReceiveWorkflow, ReceiveInput, string?[]>(
            new ReceiveInput(Count: 2, TimeoutMs: 1000, GateAfterFirst: true));

        Assert.Equal(SendOutcome.Sent, await engine.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "pay", "payment-1"));
        await Eventually.TrueAsync(() => log.Gates.ContainsKey($"{run.RunId}-after"), TimeSpan.FromSeconds(10),
            "the first message to be received");
        // Once delivered too: the key is remembered after consumption.
        Assert.Equal(SendOutcome.Duplicate, await engine.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "pay", "payment-1"));
        log.Open($"{run.RunId}-after");
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);

        Assert.Equal("pay,(none)", Received(tree));
        Assert.Equal(SendOutcome.NotFound, await engine.Client.SendAsync(Guid.CreateVersion7(), ReceiveWorkflow.Topic, "x"));
    }

    [Fact]
    public async Task A_finished_workflow_takes_no_message_but_a_resend_of_one_it_took_is_still_a_duplicate()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(database, log, registerMore: SignalWorkflows.Register);
        var run = await engine.Client.EnqueueAsync<ReceiveWorkflow, ReceiveInput, string?[]>(new ReceiveInput(Count: 1, TimeoutMs: 10_000));
        Assert.Equal(SendOutcome.Sent, await engine.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "pay", "payment-1"));
        Assert.Equal(WorkflowStatus.Success, (await engine.Client.UntilFinishedAsync(run.RunId)).Status);
        var cancelled = await engine.Client.EnqueueAsync<ReceiveWorkflow, ReceiveInput, string?[]>(
            new ReceiveInput(Count: 1, TimeoutMs: 10_000), queue: "nobody-claims");
        await engine.Client.CancelAsync(cancelled.RunId, CancellationToken.None);

        var late = await Assert.ThrowsAsync<WorkflowFinishedException>(() => engine.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "late"));
        var toCancelled = await Assert.ThrowsAsync<WorkflowFinishedException>(
            () => engine.Client.SendAsync(cancelled.RunId, ReceiveWorkflow.Topic, "late", "late-1"));

        Assert.Equal((run.RunId, WorkflowStatus.Success), (late.WorkflowId, late.Status));
        Assert.Equal(WorkflowStatus.Cancelled, toCancelled.Status);
        Assert.Equal(SendOutcome.Duplicate, await engine.Client.SendAsync(run.RunId, ReceiveWorkflow.Topic, "pay", "payment-1"));
        Assert.Equal(0, await UnconsumedAsync(database, run.RunId));
        Assert.Equal(0, await UnconsumedAsync(database, cancelled.RunId));
    }

    [Fact]
    public async Task A_reader_waiting_for_an_event_wakes_by_notification_well_before_its_fallback_read()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log, registerMore: SignalWorkflows.Register);
        var run = await engine.Client.EnqueueAsync<EventWorkflow, int, string>(0);
        Assert.Equal("waiting", (await engine.Client.GetEventAsync<string>(run.RunId, "status", TimeSpan.FromSeconds(10)))?.Value);

        var reader = engine.Client.GetEventAsync<string>(run.RunId, "finished", TimeSpan.FromSeconds(10));
        // Long enough for the reader's first read; its fallback re-read comes 2 s after that one.
        await Task.Delay(500);
        var published = Stopwatch.StartNew();
        log.Open(run.RunId.ToString());
        var finished = await reader;
        published.Stop();

        Assert.Equal("yes", finished?.Value);
        Assert.True(published.Elapsed < TimeSpan.FromSeconds(1), $"the reader woke {published.Elapsed} after the gate opened");
    }

    [Fact]
    public async Task An_event_is_readable_from_outside_while_the_workflow_runs()
    {
        var log = new ExecutionLog();
        await using var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), log, registerMore: SignalWorkflows.Register);
        var run = await engine.Client.EnqueueAsync<EventWorkflow, int, string>(0);

        var waiting = await engine.Client.GetEventAsync<string>(run.RunId, "status", TimeSpan.FromSeconds(10));
        var whileRunning = await engine.Client.GetRunAsync(run.RunId, CancellationToken.None);
        log.Open(run.RunId.ToString());
        var tree = await engine.Client.UntilFinishedAsync(run.RunId);
        var done = await engine.Client.GetEventAsync<string>(run.RunId, "status", TimeSpan.Zero);

        Assert.Equal("waiting", waiting?.Value);
        Assert.Equal(WorkflowStatus.Running, whileRunning!.Status);
        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal("done", done?.Value);
        Assert.Null(await engine.Client.GetEventAsync<string>(run.RunId, "absent", TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>The messages received in order, "(none)" for a receive that timed out.</summary>
    private static string Received(WorkflowNode tree) => string.Join(",",
        tree.Output!.Value.EnumerateArray().Select(e => e.ValueKind == System.Text.Json.JsonValueKind.Null ? "(none)" : e.GetString()));

    private static async Task<string?> WaitingTopicAsync(string database, Guid id)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT waiting_topic FROM exp22.workflows WHERE id = @id AND status = 'ENQUEUED' AND executor_id IS NULL", connection);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync() as string;
    }

    private static async Task<long> UnconsumedAsync(string database, Guid id)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM exp22.messages WHERE workflow_id = @id AND consumed_seq IS NULL", connection);
        command.Parameters.AddWithValue("id", id);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
