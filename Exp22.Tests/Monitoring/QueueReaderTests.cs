using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace Exp22.Tests.Monitoring;

/// <summary><see cref="WorkflowMonitor.ListQueuesAsync"/> on a real PostgreSQL, against the rows the engine's own claims left.</summary>
public sealed class QueueReaderTests
{
    [Fact]
    public async Task Each_queue_shows_its_limits_depth_starts_in_the_period_and_deepest_partitions()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await QueueScenario.SeedAsync(database);
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        var monitor = engine.Services.GetRequiredService<WorkflowMonitor>();

        var overview = await monitor.ListQueuesAsync(topPartitions: 2, CancellationToken.None);

        Assert.Equal([QueueScenario.Limited, QueueScenario.Unlimited, QueueScenario.Partitioned], overview.Queues.Select(q => q.Queue));
        var limited = overview.Queues.Single(q => q.Queue == QueueScenario.Limited);
        Assert.Equal(new QueueLimits(2, 3, 5, TimeSpan.FromMinutes(1), false), limited.Limits);
        Assert.Equal(new QueueCounts(Enqueued: 2, Delayed: 1, Running: 2), limited.Depth);
        Assert.Equal(2, limited.StartsInRatePeriod);
        Assert.InRange(limited.OldestDueAge!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.Equal((0, 0), (limited.Partitions, limited.TopPartitions.Count));

        var partitioned = overview.Queues.Single(q => q.Queue == QueueScenario.Partitioned);
        Assert.Equal(new QueueLimits(1, null, 10, TimeSpan.FromMinutes(1), true), partitioned.Limits);
        Assert.Equal(new QueueCounts(Enqueued: 2, Delayed: 0, Running: 3), partitioned.Depth);
        Assert.Equal(3, partitioned.StartsInRatePeriod);
        Assert.Equal(3, partitioned.Partitions);
        Assert.Equal(
            [new PartitionView("a", new QueueCounts(2, 0, 1), 1), new PartitionView(null, new QueueCounts(0, 0, 1), 1)],
            partitioned.TopPartitions);

        var unlimited = overview.Queues.Single(q => q.Queue == QueueScenario.Unlimited);
        Assert.Null(unlimited.Limits);
        Assert.Equal(new QueueCounts(Enqueued: 2, Delayed: 0, Running: 1), unlimited.Depth);
        Assert.Null(unlimited.StartsInRatePeriod);
        Assert.InRange(unlimited.OldestDueAge!.Value, QueueScenario.OldestUnlimitedAge, QueueScenario.OldestUnlimitedAge + TimeSpan.FromMinutes(5));
        Assert.All(overview.Queues, q => Assert.False(q.ClaimedByLiveExecutor));
        Assert.All(overview.Queues, q => Assert.Equal(0, q.WaitingForChildren));
    }

    [Fact]
    public async Task A_live_executor_lists_its_queues_even_when_they_hold_no_work()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), configure: s => s["Workflows:Queues:0"] = "idle");
        var monitor = engine.Services.GetRequiredService<WorkflowMonitor>();

        QueueView? idle = null;
        await Eventually.TrueAsync(async () =>
            (idle = (await monitor.ListQueuesAsync(10, CancellationToken.None)).Queues.SingleOrDefault(q => q.Queue == "idle")) is not null,
            TimeSpan.FromSeconds(15), "the executor's queue in the listing");

        Assert.True(idle!.ClaimedByLiveExecutor);
        Assert.Null(idle.Limits);
        Assert.Equal(new QueueCounts(0, 0, 0), idle.Depth);
        Assert.Null(idle.OldestDueAge);
    }
}
