using System.Collections.Concurrent;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Npgsql;

namespace Exp22.Tests.Engine;

public sealed class ClientTests
{
    private static readonly StepsInput OneStep = new(1);

    private static async Task<EngineHost> StartApiAsync() =>
        await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog(), executor: false);

    [Fact]
    public async Task Enqueue_stores_an_enqueued_run_whose_tree_is_its_root()
    {
        await using var api = await StartApiAsync();

        var run = await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep);
        var tree = await api.Client.GetRunAsync(run.RunId, CancellationToken.None);

        Assert.True(run.Created);
        Assert.Equal(WorkflowStatus.Enqueued, run.Status);
        Assert.NotNull(tree);
        Assert.Equal("steps", tree.WorkflowName);
        Assert.Equal(WorkflowStatus.Enqueued, tree.Status);
        Assert.Equal(1, tree.Input.GetProperty("steps").GetInt32());
        Assert.Empty(tree.Children);
        Assert.Empty(tree.Steps);
    }

    [Fact]
    public async Task Enqueues_notify_listening_executors_of_their_queues_and_a_replayed_key_does_not()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var api = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        await using var listener = new NpgsqlConnection(database);
        await listener.OpenAsync();
        var payloads = new ConcurrentQueue<string>();
        listener.Notification += (_, e) => payloads.Enqueue(e.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN exp22_enqueued", listener))
            await listen.ExecuteNonQueryAsync();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(
            OneStep, queue: i % 2 == 0 ? "even" : "odd", idempotencyKey: $"key-{i}")));
        await Eventually.TrueAsync(async () =>
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(100));
            return payloads.Contains("even") && payloads.Contains("odd");
        }, TimeSpan.FromSeconds(10), "a notification for each queue");
        // Concurrent enqueues share notifications; the last one is never left out.
        Assert.InRange(payloads.Count, 2, 20);

        // A replayed key enqueues nothing, so it wakes no one (asked here on a queue of its own).
        var replayed = await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep, queue: "replayed", idempotencyKey: "key-0");
        await listener.WaitAsync(TimeSpan.FromMilliseconds(500));
        Assert.False(replayed.Created);
        Assert.DoesNotContain("replayed", payloads);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_run()
    {
        await using var api = await StartApiAsync();

        var first = await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep, idempotencyKey: "order-42");
        var second = await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(9), idempotencyKey: "order-42");
        var other = await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep, idempotencyKey: "order-43");

        Assert.Equal(first.RunId, second.RunId);
        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.NotEqual(first.RunId, other.RunId);
    }

    [Fact]
    public async Task The_same_idempotency_key_enqueued_concurrently_makes_one_run()
    {
        await using var api = await StartApiAsync();

        var runs = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Task.Run(() =>
            api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep, idempotencyKey: "same-key"))));

        Assert.Single(runs.Select(r => r.RunId).Distinct());
        Assert.Single(runs, r => r.Created);
        Assert.Single(await api.Client.ListRunsAsync(new RunQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task An_unknown_run_has_no_tree()
    {
        await using var api = await StartApiAsync();

        Assert.Null(await api.Client.GetRunAsync(Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_filtered_by_status_and_limited()
    {
        await using var api = await StartApiAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
            ids.Add((await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep)).RunId);
        await api.Client.CancelAsync(ids[0], CancellationToken.None);

        var newest = await api.Client.ListRunsAsync(new RunQuery(Limit: 3), CancellationToken.None);
        var cancelled = await api.Client.ListRunsAsync(new RunQuery(Status: WorkflowStatus.Cancelled), CancellationToken.None);

        Assert.Equal([ids[4], ids[3], ids[2]], newest.Select(r => r.RunId));
        Assert.Equal([ids[0]], cancelled.Select(r => r.RunId));
    }

    [Fact]
    public async Task Cancel_answers_not_found_cancelled_and_already_finished()
    {
        await using var api = await StartApiAsync();
        var run = await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep);

        Assert.Equal(CancelOutcome.NotFound, await api.Client.CancelAsync(Guid.NewGuid(), CancellationToken.None));
        Assert.Equal(CancelOutcome.Cancelled, await api.Client.CancelAsync(run.RunId, CancellationToken.None));
        Assert.Equal(CancelOutcome.AlreadyFinished, await api.Client.CancelAsync(run.RunId, CancellationToken.None));
        Assert.Equal(WorkflowStatus.Cancelled, (await api.Client.GetRunAsync(run.RunId, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_cancelled_enqueued_run_is_never_executed()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var api = await EngineHost.StartAsync(database, log, executor: false);
        var cancelled = await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep);
        await api.Client.CancelAsync(cancelled.RunId, CancellationToken.None);

        await using var executor = await EngineHost.StartAsync(database, log);
        var later = await api.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(OneStep);
        await api.Client.UntilFinishedAsync(later.RunId);

        Assert.Equal(0, log.StepRuns(cancelled.RunId, 0));
        Assert.Equal(1, log.StepRuns(later.RunId, 0));
    }
}
