using Exp22.Tests.Engine;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Exp22.Workflows.Execution;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Monitoring;

/// <summary>
/// Three queues in known states, made with the engine's own enqueue and claims (no executor runs, so the
/// figures hold still): a limited queue, a partitioned one and an unlimited one. The reader, the API and the
/// dashboard page are checked against the same figures.
/// </summary>
internal static class QueueScenario
{
    /// <summary>Global 2, 3 per executor, 5 starts a minute: 5 due + 1 delayed enqueued, 2 claimed.</summary>
    public const string Limited = "limited";

    /// <summary>1 at a time per partition, 10 starts a minute per partition: "a" ×3, "b" ×1, no key ×1, one claimed in each.</summary>
    public const string Partitioned = "tenants";

    /// <summary>No definition: 3 enqueued, 1 claimed, the oldest left backdated by an hour.</summary>
    public const string Unlimited = "plain";

    public static readonly TimeSpan OldestUnlimitedAge = TimeSpan.FromHours(1);

    public static async Task SeedAsync(string database)
    {
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        var ct = CancellationToken.None;
        await new QueueDefinitionStore(dataSource).SaveAsync(new Dictionary<string, QueueDefinition>
        {
            [Limited] = new() { GlobalConcurrency = 2, ExecutorConcurrency = 3, RateLimit = 5, RatePeriod = TimeSpan.FromMinutes(1) },
            [Partitioned] = new() { GlobalConcurrency = 1, RateLimit = 10, RatePeriod = TimeSpan.FromMinutes(1), Partitioned = true },
        }, ct);

        var input = WorkflowJson.Serialize(new StepsInput(1));
        async Task EnqueueAsync(string queue, int count, string? partition = null, DateTimeOffset? notBefore = null)
        {
            for (var i = 0; i < count; i++)
                await engine.Client.EnqueueAsync(new EnqueueRequest("steps", input, queue, PartitionKey: partition, NotBefore: notBefore,
                    ApplicationVersion: "1"), ct);
        }

        await EnqueueAsync(Limited, 4);
        await EnqueueAsync(Limited, 1, notBefore: DateTimeOffset.UtcNow.AddHours(1));
        await EnqueueAsync(Partitioned, 3, "a");
        await EnqueueAsync(Partitioned, 1, "b");
        await EnqueueAsync(Partitioned, 1);
        await EnqueueAsync(Unlimited, 3);

        var limited = new LimitedQueueClaims(dataSource);
        await limited.ClaimAsync("seed-executor", "1", Limited, ["steps"], 10, ct);
        await limited.ClaimAsync("seed-executor", "1", Partitioned, ["steps"], 10, ct);
        await new QueueClaims(dataSource).ClaimAsync("seed-executor", "1", [Unlimited], ["steps"], 1, ct);

        await using var backdate = dataSource.CreateCommand("""
            UPDATE exp22.workflows SET created_at = created_at - @age
            WHERE id = (SELECT id FROM exp22.workflows WHERE queue = @queue AND status = 'ENQUEUED' ORDER BY created_at LIMIT 1)
            """);
        backdate.Parameters.Add(new NpgsqlParameter("age", OldestUnlimitedAge));
        backdate.Parameters.Add(new NpgsqlParameter("queue", Unlimited));
        await backdate.ExecuteNonQueryAsync(ct);
    }
}
