using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Monitoring;

/// <summary>Counts by status, queue depths and the started/finished series, in one round trip.</summary>
/// <remarks>
/// Statuses are literals in this SQL on purpose: the planner can use the partial indexes
/// (<c>WHERE status = 'ENQUEUED'</c>, <c>'RUNNING'</c>, finished) only when it sees the value, and a prepared
/// statement with a parameter would lose them. Every branch reads one of those indexes, so the cost follows
/// the live and the recent rows, not the table's history.
/// </remarks>
internal sealed class OverviewReader(NpgsqlDataSource dataSource)
{
    // Buckets are aligned on a fixed origin, so that a point keeps its start from one refresh to the next.
    private static readonly DateTimeOffset Origin = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const string NowSql = "SELECT now(), date_bin(@bucket, now() - @window, @origin)";

    private const string ActiveSql = $$"""
        SELECT queue, status,
               count(*)::int,
               count(*) FILTER (WHERE parent_id IS NULL)::int,
               count(*) FILTER (WHERE waiting_for IS NOT NULL)::int
        FROM {{Sql.Schema}}.workflows
        WHERE status IN ({{Sql.Enqueued}}, {{Sql.Running}})
        GROUP BY queue, status
        ORDER BY queue
        """;

    private const string FinishedSql = $$"""
        SELECT date_bin(@bucket, completed_at, @origin), status,
               count(*)::int,
               count(*) FILTER (WHERE parent_id IS NULL)::int
        FROM {{Sql.Schema}}.workflows
        WHERE status IN ({{Sql.Success}}, {{Sql.Error}}, {{Sql.Cancelled}}, {{Sql.MaxRecoveryExceeded}})
          AND completed_at >= date_bin(@bucket, now() - @window, @origin)
        GROUP BY 1, 2
        """;

    // A workflow first claimed in the window is either finished since (found by its completion time) or
    // still running or queued again: three index scans instead of one over every started_at.
    private const string StartedSql = $$"""
        WITH since AS (SELECT date_bin(@bucket, now() - @window, @origin) AS at)
        SELECT date_bin(@bucket, started_at, @origin), count(*)::int
        FROM (
            SELECT started_at FROM {{Sql.Schema}}.workflows, since
            WHERE status IN ({{Sql.Success}}, {{Sql.Error}}, {{Sql.Cancelled}}, {{Sql.MaxRecoveryExceeded}}) AND completed_at >= since.at AND started_at >= since.at
            UNION ALL
            SELECT started_at FROM {{Sql.Schema}}.workflows, since
            WHERE status = {{Sql.Running}} AND started_at >= since.at
            UNION ALL
            SELECT started_at FROM {{Sql.Schema}}.workflows, since
            WHERE status = {{Sql.Enqueued}} AND started_at >= since.at) AS started
        GROUP BY 1
        """;

    public async Task<FleetOverview> ReadAsync(TimeSpan window, TimeSpan bucket, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, bucket);

        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        batch.BatchCommands.Add(Command(NowSql, window, bucket));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ActiveSql));
        batch.BatchCommands.Add(Command(FinishedSql, window, bucket));
        batch.BatchCommands.Add(Command(StartedSql, window, bucket));
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);

        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var now = reader.GetFieldValue<DateTimeOffset>(0);
        var since = reader.GetFieldValue<DateTimeOffset>(1);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var queues = new SortedDictionary<string, QueueDepth>(StringComparer.Ordinal);
        var counts = WorkflowStatus.All.ToDictionary(s => s, s => new StatusCount(s, 0, 0, WorkflowStatus.IsTerminal(s)));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (queue, status, workflows, runs, waiting) =
                (reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
            var depth = queues.GetValueOrDefault(queue) ?? new QueueDepth(queue, 0, 0, 0);
            queues[queue] = status == WorkflowStatus.Enqueued
                ? depth with { Enqueued = depth.Enqueued + workflows }
                : depth with { Running = depth.Running + workflows - waiting, WaitingForChildren = depth.WaitingForChildren + waiting };
            counts[status] = counts[status] with { Workflows = counts[status].Workflows + workflows, Runs = counts[status].Runs + runs };
        }

        var points = new SortedDictionary<DateTimeOffset, ThroughputPoint>();
        for (var start = since; start <= now; start += bucket)
            points[start] = new ThroughputPoint(start, 0, 0, 0, 0);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (start, status, workflows, runs) =
                (reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3));
            var point = points.GetValueOrDefault(start) ?? new ThroughputPoint(start, 0, 0, 0, 0);
            points[start] = status switch
            {
                WorkflowStatus.Success => point with { Succeeded = point.Succeeded + workflows },
                WorkflowStatus.Error or WorkflowStatus.MaxRecoveryExceeded => point with { Failed = point.Failed + workflows },
                _ => point with { Cancelled = point.Cancelled + workflows },
            };
            counts[status] = counts[status] with { Workflows = counts[status].Workflows + workflows, Runs = counts[status].Runs + runs };
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var start = reader.GetFieldValue<DateTimeOffset>(0);
            var point = points.GetValueOrDefault(start) ?? new ThroughputPoint(start, 0, 0, 0, 0);
            points[start] = point with { Started = point.Started + reader.GetInt32(1) };
        }

        return new FleetOverview(
            now, window, bucket, [.. WorkflowStatus.All.Select(s => counts[s])], [.. points.Values], [.. queues.Values]);
    }

    private static NpgsqlBatchCommand Command(string sql, TimeSpan window, TimeSpan bucket) => new(sql)
    {
        Parameters = { new("window", window), new("bucket", bucket), new("origin", Origin) },
    };
}
