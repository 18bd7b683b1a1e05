using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Exp22.Workflows.Dashboard.Queues;

/// <summary>
/// <c>GET api/queues?partitions=</c>: each queue's limits (none: unlimited), its depth, its starts within the
/// rate period and its deepest partitions. Durations are seconds, on the database's clock.
/// </summary>
internal static class QueuesEndpoint
{
    public const string PartitionsQuery = "partitions";
    public const int DefaultPartitions = 10;
    public const int MaxPartitions = 100;

    public static void Map(IEndpointRouteBuilder api) => api.MapGet("/queues", GetAsync);

    private static async Task<IResult> GetAsync(
        [FromQuery(Name = PartitionsQuery)] string? partitions, WorkflowMonitor monitor, CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        var top = errors.Integer(partitions, PartitionsQuery, 1, MaxPartitions, DefaultPartitions);
        if (errors.Any)
            return errors.ToProblem();

        var overview = await monitor.ListQueuesAsync(top, cancellationToken).ConfigureAwait(false);
        return Results.Ok(new QueuesResponse(overview.Now, [.. overview.Queues.Select(q => new QueueItem(
            q.Queue,
            q.Limits is { } l ? new LimitsItem(l.GlobalConcurrency, l.ExecutorConcurrency, l.RateLimit, l.RatePeriod?.TotalSeconds, l.Partitioned) : null,
            q.ClaimedByLiveExecutor, q.Depth.Enqueued, q.Depth.Delayed, q.Depth.Running, q.WaitingForChildren,
            q.StartsInRatePeriod, q.OldestDueAge?.TotalSeconds, q.Partitions,
            [.. q.TopPartitions.Select(p => new PartitionItem(
                p.PartitionKey, p.Depth.Enqueued, p.Depth.Delayed, p.Depth.Running, p.StartsInRatePeriod))]))]));
    }

    private sealed record QueuesResponse(DateTimeOffset Now, IReadOnlyList<QueueItem> Queues);

    /// <param name="Limits">Null: no executor declared limits for the queue, it is unlimited.</param>
    private sealed record QueueItem(
        string Queue,
        LimitsItem? Limits,
        bool ClaimedByLiveExecutor,
        int Enqueued,
        int Delayed,
        int Running,
        int WaitingForChildren,
        int? StartsInRatePeriod,
        double? OldestDueAgeSeconds,
        int Partitions,
        IReadOnlyList<PartitionItem> TopPartitions);

    private sealed record LimitsItem(int? GlobalConcurrency, int? ExecutorConcurrency, int? RateLimit, double? RatePeriodSeconds, bool Partitioned);

    private sealed record PartitionItem(string? PartitionKey, int Enqueued, int Delayed, int Running, int? StartsInRatePeriod);
}
