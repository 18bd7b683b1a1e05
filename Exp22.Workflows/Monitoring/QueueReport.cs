namespace Exp22.Workflows.Monitoring;

/// <summary>
/// <see cref="QueueOverview"/> as both the API's <c>GET /queues</c> and the dashboard's <c>api/queues</c>
/// serve it: flat counts and durations in seconds, so that one shape is documented once.
/// </summary>
/// <param name="Now">The database's clock, which the ages are measured on.</param>
public sealed record QueueReport(DateTimeOffset Now, IReadOnlyList<QueueReportItem> Queues)
{
    public static QueueReport From(QueueOverview overview) => new(overview.Now, [.. overview.Queues.Select(q => new QueueReportItem(
        q.Queue,
        q.Limits is { } l ? new QueueReportLimits(l.GlobalConcurrency, l.ExecutorConcurrency, l.RateLimit, l.RatePeriod?.TotalSeconds, l.Partitioned) : null,
        q.ClaimedByLiveExecutor, q.Depth.Enqueued, q.Depth.Delayed, q.Depth.Running, q.WaitingForChildren,
        q.StartsInRatePeriod, q.OldestDueAge?.TotalSeconds, q.Partitions,
        [.. q.TopPartitions.Select(p => new QueueReportPartition(
            p.PartitionKey, p.Depth.Enqueued, p.Depth.Delayed, p.Depth.Running, p.StartsInRatePeriod))]))]);
}

/// <param name="Limits">Null: no executor declared limits for the queue, it is unlimited.</param>
/// <param name="Enqueued">Workflows enqueued and due now.</param>
/// <param name="Delayed">Workflows enqueued with a notBefore still ahead.</param>
/// <param name="Running">Workflows running on an executor: what the global concurrency counts.</param>
/// <param name="StartsInRatePeriod">First starts within the last rate period, all partitions; null without a rate limit.</param>
/// <param name="OldestDueAgeSeconds">How long the longest-waiting due workflow has waited since it was enqueued, became due or was last claimed.</param>
/// <param name="Partitions">For a partitioned queue, the partitions with live work or starts within the period.</param>
public sealed record QueueReportItem(
    string Queue,
    QueueReportLimits? Limits,
    bool ClaimedByLiveExecutor,
    int Enqueued,
    int Delayed,
    int Running,
    int WaitingForChildren,
    int? StartsInRatePeriod,
    double? OldestDueAgeSeconds,
    int Partitions,
    IReadOnlyList<QueueReportPartition> TopPartitions);

/// <summary>A null limit is no limit. With <paramref name="Partitioned"/>, the global limits hold per partition key.</summary>
public sealed record QueueReportLimits(int? GlobalConcurrency, int? ExecutorConcurrency, int? RateLimit, double? RatePeriodSeconds, bool Partitioned);

/// <param name="PartitionKey">Null for the workflows enqueued without a key, which share one partition.</param>
public sealed record QueueReportPartition(string? PartitionKey, int Enqueued, int Delayed, int Running, int? StartsInRatePeriod);
