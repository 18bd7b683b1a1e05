using Exp22.Workflows.Execution;
using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Monitoring;

/// <summary>
/// Every queue that is defined, has live work, or is claimed by a live executor: its limits as the claims
/// read them from <c>exp22.queues</c>, its depth now, its starts within the rate period, and, for a
/// partitioned queue, its deepest partitions. One batch, one round trip.
/// </summary>
/// <remarks>
/// Statuses are literals (<see cref="Sql"/>'s constants) so that the planner uses the partial indexes on
/// ENQUEUED and RUNNING rows (see <see cref="OverviewReader"/>); the cost follows the live rows, not the
/// table's history. "Running" counts what the global limit counts: RUNNING rows that hold an executor (a
/// parent parked for its children holds none).
/// </remarks>
internal sealed class QueueReader(NpgsqlDataSource dataSource)
{
    // A row written before executors recorded their own timeout is judged by the default one.
    private static readonly TimeSpan DefaultHeartbeatTimeout = new WorkflowsOptions().HeartbeatTimeout;

    // A workflow put back on the queue (handover, recovery, wake-up) keeps its creation time; its last claim
    // is the nearest stored time before it came back, so a wait is counted from the latest of the three
    // (greatest() skips NULLs).
    private const string QueuesSql = $$"""
        WITH enqueued AS (
            SELECT queue,
                   count(*) FILTER (WHERE not_before IS NULL OR not_before <= now())::int AS due,
                   count(*) FILTER (WHERE not_before > now())::int AS delayed,
                   min(greatest(created_at, not_before, claimed_at))
                       FILTER (WHERE not_before IS NULL OR not_before <= now()) AS oldest_due
            FROM {{Sql.Schema}}.workflows
            WHERE status = {{Sql.Enqueued}}
            GROUP BY queue),
        running AS (
            SELECT queue,
                   count(*) FILTER (WHERE executor_id IS NOT NULL)::int AS running,
                   count(*) FILTER (WHERE executor_id IS NULL)::int AS parked
            FROM {{Sql.Schema}}.workflows
            WHERE status = {{Sql.Running}}
            GROUP BY queue),
        claimed AS (
            SELECT DISTINCT unnest(queues) AS queue
            FROM {{Sql.Schema}}.executors
            WHERE state <> {{Sql.ExecutorStopped}} AND heartbeat_at >= now() - coalesce(heartbeat_timeout, @default_timeout)),
        starts AS (
            SELECT s.queue, count(*)::int AS starts
            FROM {{Sql.Schema}}.queue_starts s
            JOIN {{Sql.Schema}}.queues q ON q.name = s.queue
            WHERE s.started_at > now() - q.rate_period
            GROUP BY s.queue),
        names AS (
            SELECT name FROM {{Sql.Schema}}.queues
            UNION SELECT queue FROM enqueued
            UNION SELECT queue FROM running
            UNION SELECT queue FROM claimed)
        SELECT n.name, q.name IS NOT NULL AS defined,
               q.global_concurrency, q.executor_concurrency, q.rate_limit, q.rate_period, coalesce(q.partitioned, false),
               coalesce(e.due, 0), coalesce(e.delayed, 0), coalesce(r.running, 0), coalesce(r.parked, 0),
               CASE WHEN q.rate_limit IS NOT NULL THEN coalesce(s.starts, 0) END,
               now() - e.oldest_due,
               c.queue IS NOT NULL AS claimed
        FROM names n
        LEFT JOIN {{Sql.Schema}}.queues q ON q.name = n.name
        LEFT JOIN enqueued e ON e.queue = n.name
        LEFT JOIN running r ON r.queue = n.name
        LEFT JOIN starts s ON s.queue = n.name
        LEFT JOIN claimed c ON c.queue = n.name
        ORDER BY n.name
        """;

    // '' is the partition of the runs enqueued without a key, as in the claim and in exp22.queue_starts.
    private const string PartitionsSql = $$"""
        WITH partitioned AS (
            SELECT name, rate_period FROM {{Sql.Schema}}.queues WHERE partitioned),
        work AS (
            SELECT w.queue, coalesce(w.partition_key, '') AS key,
                   count(*) FILTER (WHERE w.status = {{Sql.Enqueued}} AND (w.not_before IS NULL OR w.not_before <= now()))::int AS due,
                   count(*) FILTER (WHERE w.status = {{Sql.Enqueued}} AND w.not_before > now())::int AS delayed,
                   count(*) FILTER (WHERE w.status = {{Sql.Running}} AND w.executor_id IS NOT NULL)::int AS running
            FROM {{Sql.Schema}}.workflows w
            JOIN partitioned p ON p.name = w.queue
            WHERE w.status IN ({{Sql.Enqueued}}, {{Sql.Running}})
            GROUP BY 1, 2),
        starts AS (
            SELECT s.queue, s.partition_key AS key, count(*)::int AS starts
            FROM {{Sql.Schema}}.queue_starts s
            JOIN partitioned p ON p.name = s.queue
            WHERE s.started_at > now() - p.rate_period
            GROUP BY 1, 2),
        merged AS (
            SELECT queue, key, coalesce(w.due, 0) AS due, coalesce(w.delayed, 0) AS delayed,
                   coalesce(w.running, 0) AS running, s.starts
            FROM work w
            FULL JOIN starts s USING (queue, key)),
        ranked AS (
            SELECT m.*, p.rate_period IS NOT NULL AS rate_limited,
                   row_number() OVER (PARTITION BY m.queue ORDER BY m.due + m.delayed + m.running DESC, m.key) AS rank,
                   count(*) OVER (PARTITION BY m.queue)::int AS partitions
            FROM merged m
            JOIN partitioned p ON p.name = m.queue)
        SELECT queue, nullif(key, ''), due, delayed, running,
               CASE WHEN rate_limited THEN coalesce(starts, 0) END, partitions
        FROM ranked
        WHERE rank <= @top_partitions
        ORDER BY queue, rank
        """;

    /// <param name="topPartitions">How many partitions of each partitioned queue to list, deepest first.</param>
    public async Task<QueueOverview> ReadAsync(int topPartitions, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topPartitions, 1);
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT now()"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(QueuesSql) { Parameters = { new("default_timeout", DefaultHeartbeatTimeout) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(PartitionsSql) { Parameters = { new("top_partitions", (long)topPartitions) } });
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var now = reader.GetFieldValue<DateTimeOffset>(0);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var queues = new List<QueueView>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var limits = reader.GetBoolean(1)
                ? new QueueLimits(
                    reader.GetValueOrNull<int>(2), reader.GetValueOrNull<int>(3), reader.GetValueOrNull<int>(4),
                    reader.GetValueOrNull<TimeSpan>(5), reader.GetBoolean(6))
                : null;
            queues.Add(new QueueView(
                reader.GetString(0), limits, reader.GetBoolean(13),
                new QueueCounts(reader.GetInt32(7), reader.GetInt32(8), reader.GetInt32(9)), reader.GetInt32(10),
                reader.GetValueOrNull<int>(11), reader.GetValueOrNull<TimeSpan>(12), 0, []));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var partitions = new Dictionary<string, (int Count, List<PartitionView> Top)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var queue = reader.GetString(0);
            var (_, top) = partitions.TryGetValue(queue, out var known) ? known : (0, []);
            top.Add(new PartitionView(
                reader.GetStringOrNull(1),
                new QueueCounts(reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4)), reader.GetValueOrNull<int>(5)));
            partitions[queue] = (reader.GetInt32(6), top);
        }

        return new QueueOverview(now, [.. queues.Select(q => partitions.TryGetValue(q.Queue, out var p)
            ? q with { Partitions = p.Count, TopPartitions = p.Top }
            : q)]);
    }
}
