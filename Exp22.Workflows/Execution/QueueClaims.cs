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
    // Delayed and sleeping rows (not_before ahead) stay in the index and are stepped over until due.
    // Only this executor's application version: it is the index's second column, so the scan stays one
    // ordered range (docs/queues-and-schedules.md#application-versions).
    /// <summary>What a claim returns, in the order <see cref="ReadClaimedAsync"/> reads it; both claims end with these.</summary>
    internal const string ClaimedColumns = """
        w.id, w.run_id, w.parent_id, w.name, w.queue, w.input::text, w.attempt, w.created_at, w.claimed_at,
        w.trace_parent, w.trace_state, w.recoveries, w.recoveries_without_progress, w.recovered_from, w.recovered_at
        """;

    internal const string Sql = $$"""
        WITH suspect AS (
            SELECT c.id
            FROM unnest(@queues) AS q (queue)
            CROSS JOIN LATERAL (
                SELECT id, priority, created_at
                FROM exp22.workflows
                WHERE status = 'ENQUEUED'
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
        fresh AS (
            SELECT c.id
            FROM unnest(@queues) AS q (queue)
            CROSS JOIN LATERAL (
                SELECT id, priority, created_at
                FROM exp22.workflows
                WHERE status = 'ENQUEUED'
                  AND (not_before IS NULL OR not_before <= now())
                  AND recoveries_without_progress = 0
                  AND queue = q.queue
                  AND application_version = @application_version
                  AND name = ANY (@names)
                ORDER BY priority DESC, created_at, id
                LIMIT @limit
                FOR UPDATE SKIP LOCKED) c
            ORDER BY c.priority DESC, c.created_at, c.id
            LIMIT @limit - (SELECT count(*) FROM suspect)),
        picked AS (
            SELECT id FROM suspect
            UNION ALL
            SELECT id FROM fresh)
        UPDATE exp22.workflows w
        SET status = 'RUNNING',
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
        var command = dataSource.CreateCommand(Sql);
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
                ParentId: reader.IsDBNull(2) ? null : reader.GetGuid(2),
                Name: reader.GetString(3),
                Queue: reader.GetString(4),
                Input: reader.GetString(5),
                ExecutorId: executorId,
                Attempt: reader.GetInt32(6),
                CreatedAt: reader.GetDateTime(7),
                ClaimedAt: reader.GetDateTime(8),
                TraceContext: new TraceContextColumns(
                    reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10)),
                Recoveries: new CrashRecoveries(
                    reader.GetInt32(11),
                    reader.GetInt32(12),
                    reader.IsDBNull(13) ? null : reader.GetString(13),
                    reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14))));
        }

        return claimed;
    }
}
