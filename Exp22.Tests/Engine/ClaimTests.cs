using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Exp22.Workflows.Execution;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Engine;

public sealed class ClaimTests
{
    private static async Task<(EngineHost Engine, QueueClaims Claims, string Database)> StartAsync()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        return (engine, new QueueClaims(engine.Services.GetRequiredService<NpgsqlDataSource>()), database);
    }

    [Fact]
    public async Task A_claim_skips_rows_another_claim_holds_instead_of_waiting()
    {
        var (engine, claims, database) = await StartAsync();
        await using var _ = engine;
        for (var i = 0; i < 4; i++)
            await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), applicationVersion: "1");

        // Another executor's claim transaction, still open, holds the two oldest rows.
        await using var other = new NpgsqlConnection(database);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(
            "SELECT id FROM exp22.workflows ORDER BY created_at, id LIMIT 2 FOR UPDATE", other, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var claimed = await claims.ClaimAsync("executor-b", "1", ["default"], ["steps"], 4, timeout.Token);

        Assert.Equal(2, claimed.Count);
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task A_claim_takes_at_most_its_free_slots_in_priority_then_age_order()
    {
        var (engine, claims, _) = await StartAsync();
        await using var __ = engine;
        var low = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), applicationVersion: "1");
        var high = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), priority: 5, applicationVersion: "1");
        var older = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), priority: 1, applicationVersion: "1");
        var newer = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), priority: 1, applicationVersion: "1");

        var first = await claims.ClaimAsync("x", "1", ["default"], ["steps"], 3, CancellationToken.None);
        var second = await claims.ClaimAsync("x", "1", ["default"], ["steps"], 3, CancellationToken.None);

        Assert.Equal(new HashSet<Guid> { high.RunId, older.RunId, newer.RunId }, first.Select(c => c.Id).ToHashSet());
        Assert.Equal([low.RunId], second.Select(c => c.Id));
        Assert.All(first.Concat(second), c => Assert.Equal(1, c.Attempt));
    }

    [Fact]
    public async Task A_claim_takes_only_its_queues_and_the_workflows_it_can_run()
    {
        var (engine, claims, _) = await StartAsync();
        await using var __ = engine;
        var wanted = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), queue: "a", applicationVersion: "1");
        await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), queue: "b", applicationVersion: "1");
        await engine.Client.EnqueueAsync(new EnqueueRequest("unknown-workflow", "{}", "a", ApplicationVersion: "1"), CancellationToken.None);

        var claimed = await claims.ClaimAsync("x", "1", ["a"], ["steps"], 10, CancellationToken.None);

        Assert.Equal([wanted.RunId], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task A_claim_passes_over_sleeping_rows_and_takes_due_and_ready_ones_in_priority_order()
    {
        var (engine, claims, database) = await StartAsync();
        await using var __ = engine;
        // Sleepers older than everything else, so that a scan in serving order meets them first.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var sleepers = new NpgsqlCommand(
                """
                INSERT INTO exp22.workflows (id, run_id, name, queue, status, input, created_at, not_before, application_version)
                SELECT id, id, 'steps', 'default', 'ENQUEUED', '{"steps":1}', now() - interval '1 hour', now() + interval '1 day', '1'
                FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 500)) AS s
                """, connection);
            await sleepers.ExecuteNonQueryAsync();
        }

        var ready = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), applicationVersion: "1");
        var due = await engine.Client.EnqueueAsync(
            new EnqueueRequest("steps", """{"steps":1}""", Priority: 5, NotBefore: DateTimeOffset.UtcNow.AddMinutes(-1), ApplicationVersion: "1"),
            CancellationToken.None);

        var first = await claims.ClaimAsync("x", "1", ["default"], ["steps"], 1, CancellationToken.None);
        var second = await claims.ClaimAsync("x", "1", ["default"], ["steps"], 10, CancellationToken.None);
        var third = await claims.ClaimAsync("x", "1", ["default"], ["steps"], 10, CancellationToken.None);

        Assert.Equal([due.RunId], first.Select(c => c.Id));
        Assert.Equal([ready.RunId], second.Select(c => c.Id));
        Assert.Empty(third);
    }

    [Fact]
    public async Task A_claim_takes_only_workflows_of_its_application_version()
    {
        var (engine, claims, _) = await StartAsync();
        await using var __ = engine;
        var older = new List<Guid>();
        for (var i = 0; i < 3; i++)
            older.Add((await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), applicationVersion: "2")).RunId);
        var mine = await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), applicationVersion: "1");
        var dueTheirs = await engine.Client.EnqueueAsync(new EnqueueRequest("steps", """{"steps":1}""",
            NotBefore: DateTimeOffset.UtcNow.AddMinutes(-1), ApplicationVersion: "2"), CancellationToken.None);

        var claimed = await claims.ClaimAsync("x", "1", ["default"], ["steps"], 10, CancellationToken.None);
        var theirs = await claims.ClaimAsync("y", "2", ["default"], ["steps"], 10, CancellationToken.None);

        Assert.Equal([mine.RunId], claimed.Select(c => c.Id));
        Assert.Equal(older.Append(dueTheirs.RunId).ToHashSet(), theirs.Select(c => c.Id).ToHashSet());
    }
}
