using Exp22.Workflows.Storage;
using Exp22.Workflows.Telemetry;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>Claims up to N enqueued workflows in one statement, of which at most the given number of suspects.</summary>
internal sealed class QueueClaims(NpgsqlDataSource dataSource)
{
    // SKIP LOCKED lets concurrent executors claim disjoint rows without waiting for each other; the
    // attempt counter bumped here is half of the fence that every later write for the workflow carries.
    // One ordered index scan per queue (LATERAL): with queue = ANY (@queues) PostgreSQL cannot read the
    // claimable index in its order and sorts the whole backlog on every claim (docs/performance.md#the-claim-one-index-scan-per-queue).
    // Rows a queue locks beyond the final LIMIT stay unclaimed and are
    // released with the statement. Suspects (recovered after a crash with no progress since, see
    // SuspectProbation) are claimed apart, at most @suspects of them, ahead of fresh work, from their own index.
    // Fresh rows come from two scans per queue: ready rows (no not_before) from workflows_ready in serving
    // order, and due sleepers and delayed runs from workflows_sleeping in the order they fell due, so rows
    // still asleep are never read; the two merge in serving order. When more than @limit sleepers are due
    // at once, the earliest due go first rather than the highest priority among them.
    // Only this executor's application version: it is each index's second column, so every scan stays one
    // ordered range (docs/queues-and-schedules.md#application-versions).
    /// <summary>What a claim returns, in the order <see cref="ReadClaimedAsync"/> reads it; both claims end with these.</summary>
    internal const string ClaimedColumns = """
        w.id, w.run_id, w.parent_id, w.name, w.queue, w.input::text, w.attempt, w.created_at, w.claimed_at,
        w.trace_parent, w.trace_state, w.recoveries, w.recoveries_without_progress, w.recovered_from, w.recovered_at
        """;

    internal const string ClaimSql = $$"""
        WITH suspect AS (
            SELECT c.id
            FROM unnest(@queues) AS q (queue)
            CROSS JOIN LATERAL (
                SELECT id, priority, created_at
                FROM {{Sql.Schema}}.workflows
                WHERE status = {{Sql.Enqueued}}
                  AND (not_before IS NULL OR not_before <= now())
                  AND recoveries_without_progress > 0
                  AND queue = q.queue
                  AND application_version = @application_version
                  AND name = ANY (@names)
                ORDER BY priority DESC, created_at, id
                LIMIT @suspects
                FOR UPDATE SKIP LOCKED) c
            ORDER BY c.priority DESC, c.created_at, c.id
            LIMIT @suspects),
        ready AS (
            SELECT c.id, c.priority, c.created_at
            FROM unnest(@queues) AS q (queue)
            CROSS JOIN LATERAL (
                SELECT id, priority, created_at
                FROM {{Sql.Schema}}.workflows
                WHERE status = {{Sql.Enqueued}}
                  AND not_before IS NULL
                  AND recoveries_without_progress = 0
                  AND queue = q.queue
                  AND application_version = @application_version
                  AND name = ANY (@names)
                ORDER BY priority DESC, created_at, id
                LIMIT @limit
                FOR UPDATE SKIP LOCKED) c),
        due AS (
            SELECT c.id, c.priority, c.created_at
            FROM unnest(@queues) AS q (queue)
            CROSS JOIN LATERAL (
                SELECT id, priority, created_at
                FROM {{Sql.Schema}}.workflows
                WHERE status = {{Sql.Enqueued}}
                  AND not_before <= now()
                  AND recoveries_without_progress = 0
                  AND queue = q.queue
                  AND application_version = @application_version
                  AND name = ANY (@names)
                ORDER BY not_before
                LIMIT @limit
                FOR UPDATE SKIP LOCKED) c),
        fresh AS (
            SELECT c.id
            FROM (SELECT * FROM ready UNION ALL SELECT * FROM due) c
            ORDER BY c.priority DESC, c.created_at, c.id
            LIMIT @limit - (SELECT count(*) FROM suspect)),
        picked AS (
            SELECT id FROM suspect
            UNION ALL
            SELECT id FROM fresh)
        UPDATE {{Sql.Schema}}.workflows w
        SET status = {{Sql.Running}},
            executor_id = @executor_id,
            attempt = w.attempt + 1,
            claimed_at = now(),
            started_at = coalesce(w.started_at, now()),
            not_before = NULL,
            waiting_topic = NULL
        FROM picked
        WHERE w.id = picked.id
        RETURNING {{ClaimedColumns}}
        """;

    public async Task<List<ClaimedWorkflow>> ClaimAsync(
        string executorId, string applicationVersion, string[] queues, string[] names, int limit,
        CancellationToken cancellationToken, int suspects = 1)
    {
        var command = dataSource.CreateCommand(ClaimSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("queues", queues));
        command.Parameters.Add(new NpgsqlParameter("names", names));
        command.Parameters.Add(new NpgsqlParameter("limit", limit));
        command.Parameters.Add(new NpgsqlParameter("suspects", Math.Min(suspects, limit)));
        command.Parameters.Add(new NpgsqlParameter("executor_id", executorId));
        command.Parameters.Add(new NpgsqlParameter("application_version", applicationVersion));

        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        return await ReadClaimedAsync(reader, executorId, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the claimed rows, as both claims return them (the same leading columns, in order).</summary>
    internal static async Task<List<ClaimedWorkflow>> ReadClaimedAsync(
        NpgsqlDataReader reader, string executorId, int limit, CancellationToken cancellationToken)
    {
        var claimed = new List<ClaimedWorkflow>(limit);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimed.Add(new ClaimedWorkflow(
                Id: reader.GetGuid(0),
                RunId: reader.GetGuid(1),
                ParentId: reader.GetValueOrNull<Guid>(2),
                Name: reader.GetString(3),
                Queue: reader.GetString(4),
                Input: reader.GetString(5),
                ExecutorId: executorId,
                Attempt: reader.GetInt32(6),
                CreatedAt: reader.GetDateTime(7),
                ClaimedAt: reader.GetDateTime(8),
                TraceContext: new TraceContextColumns(
                    reader.GetStringOrNull(9), reader.GetStringOrNull(10)),
                Recoveries: new CrashRecoveries(
                    reader.GetInt32(11),
                    reader.GetInt32(12),
                    reader.GetStringOrNull(13),
                    reader.GetValueOrNull<DateTimeOffset>(14))));
        }

        return claimed;
    }
}
