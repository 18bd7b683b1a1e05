using Exp22.Api.Database;
using Exp22.Api.OpenApi;
using Exp22.Api.Validation;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Exp22.Api.Queues;

/// <summary>
/// <c>GET /queues?partitions=</c>: each queue's limits and depth (docs/queues-and-schedules.md), read-only
/// and open like <c>GET /schedules</c>: it shows names and counts, never a workflow's input or output.
/// </summary>
public static class QueuesEndpoints
{
    public const string Tag = "Queues";
    public const string PartitionsQuery = "partitions";
    public const int DefaultPartitions = 10;
    public static readonly IntegerRange PartitionsRange = new(1, 100);

    public static IEndpointRouteBuilder MapQueues(this IEndpointRouteBuilder app)
    {
        app.MapGet("/queues", ListAsync)
            .AddEndpointFilter<SchemaReadyFilter>()
            .WithTags(Tag)
            .WithName("ListQueues")
            .WithSummary("Queues with their limits and depth")
            .WithDescription("Every queue that is defined, holds live work, or is claimed by a live executor: its limits " +
                "(null: unlimited), how many workflows (any level) are enqueued and due, delayed by notBefore, running on an " +
                "executor, parked waiting for children, the first starts within the rate period, how long the oldest due one " +
                "has waited, and for a partitioned queue its deepest partitions.")
            .WithIntegerQuery(PartitionsQuery, PartitionsRange, DefaultPartitions, "How many partitions of each partitioned queue to list, deepest first.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<QueueList>, ValidationProblem>> ListAsync(
        [FromQuery(Name = PartitionsQuery)] string? partitions, WorkflowMonitor monitor, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var top = QueryValues.WholeNumber(partitions, PartitionsQuery, PartitionsRange, DefaultPartitions, errors);
        if (errors.Any)
            return errors.ToProblem();

        var overview = await monitor.ListQueuesAsync(top, cancellationToken);
        return TypedResults.Ok(new QueueList(overview.Now, [.. overview.Queues.Select(q => new QueueItem(
            q.Queue,
            q.Limits is { } l ? new QueueLimitsItem(l.GlobalConcurrency, l.ExecutorConcurrency, l.RateLimit, l.RatePeriod?.TotalSeconds, l.Partitioned) : null,
            q.ClaimedByLiveExecutor, q.Depth.Enqueued, q.Depth.Delayed, q.Depth.Running, q.WaitingForChildren,
            q.StartsInRatePeriod, q.OldestDueAge?.TotalSeconds, q.Partitions,
            [.. q.TopPartitions.Select(p => new PartitionItem(
                p.PartitionKey, p.Depth.Enqueued, p.Depth.Delayed, p.Depth.Running, p.StartsInRatePeriod))]))]));
    }
}

/// <param name="Now">The database's clock, which the ages are measured on.</param>
public sealed record QueueList(DateTimeOffset Now, IReadOnlyList<QueueItem> Queues);

/// <param name="Limits">Null: no executor declared limits for the queue, it is unlimited.</param>
/// <param name="Enqueued">Workflows enqueued and due now.</param>
/// <param name="Delayed">Workflows enqueued with a notBefore still ahead.</param>
/// <param name="Running">Workflows running on an executor: what the global concurrency counts.</param>
/// <param name="StartsInRatePeriod">First starts within the last rate period, all partitions; null without a rate limit.</param>
/// <param name="OldestDueAgeSeconds">How long the longest-waiting due workflow has waited since it was enqueued, became due or was last claimed.</param>
/// <param name="Partitions">For a partitioned queue, the partitions with live work or starts within the period.</param>
public sealed record QueueItem(
    string Queue,
    QueueLimitsItem? Limits,
    bool ClaimedByLiveExecutor,
    int Enqueued,
    int Delayed,
    int Running,
    int WaitingForChildren,
    int? StartsInRatePeriod,
    double? OldestDueAgeSeconds,
    int Partitions,
    IReadOnlyList<PartitionItem> TopPartitions);

/// <summary>A null limit is no limit. With <paramref name="Partitioned"/>, the global limits hold per partition key.</summary>
public sealed record QueueLimitsItem(int? GlobalConcurrency, int? ExecutorConcurrency, int? RateLimit, double? RatePeriodSeconds, bool Partitioned);

/// <param name="PartitionKey">Null for the workflows enqueued without a key, which share one partition.</param>
public sealed record PartitionItem(string? PartitionKey, int Enqueued, int Delayed, int Running, int? StartsInRatePeriod);
