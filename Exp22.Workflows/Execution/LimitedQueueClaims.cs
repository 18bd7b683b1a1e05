using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Claims from one queue with fleet-wide limits (global concurrency, rate limit, per partition when
/// partitioned). SKIP LOCKED alone would let every executor count the same free budget at once and all
/// spend it; so the claim first takes a transaction-scoped advisory lock per queue (or per partition),
/// and only then, in a second statement whose snapshot is taken after the lock was granted, counts what
/// runs and what started and claims within the rest. Claimers of one queue thus take turns; finishing,
/// parking and handing back only ever lower the counts, so they need no lock. Rows are still taken with
/// SKIP LOCKED, so the plain claim and this one never wait for each other's rows.
/// </summary>
internal sealed class LimitedQueueClaims(NpgsqlDataSource dataSource)
{
    /// <summary>First key of the engine's advisory locks, so that an application's own advisory locks do not collide.</summary>
    private const int LockSpace = 0x45787032;

    /// <summary>How many partitions one claim considers, picked at random among those with work.</summary>
    private const int MaxPartitions = 64;

    // Locks are taken in the order of their key, so two claimers never wait for each other in a cycle
    // (two partitions whose names hash alike share a lock: they only take turns more often).
    private const string LockSql = $$"""
        SELECT p.key, pg_advisory_xact_lock(@lock_space, p.lock_key)
        FROM (
            SELECT k.key, hashtext(@queue || '/' || k.key) AS lock_key
            FROM (
                SELECT k.key
                FROM (
                    SELECT DISTINCT partition_key AS key
                    FROM {{Sql.Schema}}.workflows
                    WHERE status = {{Sql.Enqueued}} AND queue = @queue AND application_version = @application_version
                      AND partition_key IS NOT NULL
                      AND (SELECT partitioned FROM {{Sql.Schema}}.queues WHERE name = @queue)
                    UNION
                    SELECT '') k
                ORDER BY random()
                LIMIT @max_partitions) k
            ORDER BY lock_key) p
        """;

    // The partition '' is the whole queue when it is not partitioned, and the workflows without a key
    // when it is. least() skips the NULL of a limit the queue does not have. The limits count every
    // version's running workflows (they protect what the queue calls, whichever code calls it); the claim
    // takes only this executor's version.
    private const string ClaimSql = $$"""
        WITH queue AS (
            SELECT global_concurrency, rate_limit, rate_period, partitioned
            FROM {{Sql.Schema}}.queues
            WHERE name = @queue),
        budget AS (
            SELECT k.key, q.partitioned,
                   greatest(least(
                       @limit,
                       q.global_concurrency - (
                           SELECT count(*)
                           FROM {{Sql.Schema}}.workflows r
                           WHERE r.status = {{Sql.Running}} AND r.executor_id IS NOT NULL AND r.queue = @queue
                             AND (NOT q.partitioned OR coalesce(r.partition_key, '') = k.key)),
                       q.rate_limit - (
                           SELECT count(*)
                           FROM {{Sql.Schema}}.queue_starts s
                           WHERE s.queue = @queue AND s.partition_key = k.key
                             AND s.started_at > clock_timestamp() - q.rate_period)), 0) AS slots
            FROM queue q
            CROSS JOIN unnest(@keys) AS k (key)
            WHERE q.partitioned OR k.key = ''),
        suspect AS (
            SELECT c.id, c.priority, c.created_at, c.first_start, b.key
            FROM budget b
            CROSS JOIN LATERAL (
                SELECT id, priority, created_at, started_at IS NULL AS first_start
                FROM {{Sql.Schema}}.workflows
                WHERE status = {{Sql.Enqueued}}
                  AND recoveries_without_progress > 0
                  AND queue = @queue
                  AND application_version = @application_version
                  AND name = ANY (@names)
                  AND (not_before IS NULL OR not_before <= now())
                  AND (NOT b.partitioned OR coalesce(partition_key, '') = b.key)
                ORDER BY priority DESC, created_at, id
                LIMIT least(@suspects, b.slots)
                FOR UPDATE SKIP LOCKED) c),
        fresh AS (
            SELECT c.id, c.priority, c.created_at, c.first_start, b.key
            FROM budget b
            CROSS JOIN LATERAL (
                SELECT id, priority, created_at, started_at IS NULL AS first_start
                FROM {{Sql.Schema}}.workflows
                WHERE status = {{Sql.Enqueued}}
                  AND recoveries_without_progress = 0
                  AND queue = @queue
                  AND application_version = @application_version
                  AND name = ANY (@names)
                  AND (not_before IS NULL OR not_before <= now())
                  AND (NOT b.partitioned OR coalesce(partition_key, '') = b.key)
                ORDER BY priority DESC, created_at, id
                LIMIT b.slots - (SELECT count(*) FROM suspect s WHERE s.key = b.key)
                FOR UPDATE SKIP LOCKED) c),
        picked AS (
            SELECT id, first_start, key
            FROM (SELECT *, 0 AS rank FROM suspect UNION ALL SELECT *, 1 AS rank FROM fresh) c
            ORDER BY rank, priority DESC, created_at, id
            LIMIT @limit),
        claimed AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET status = {{Sql.Running}},
                executor_id = @executor_id,
                attempt = w.attempt + 1,
                claimed_at = clock_timestamp(),
                started_at = coalesce(w.started_at, clock_timestamp()),
                not_before = NULL,
                waiting_topic = NULL
            FROM picked
            WHERE w.id = picked.id
            RETURNING {{QueueClaims.ClaimedColumns}}, picked.first_start, picked.key),
        started AS (
            INSERT INTO {{Sql.Schema}}.queue_starts (queue, partition_key, started_at)
            SELECT @queue, c.key, c.claimed_at
            FROM claimed c, queue q
            WHERE c.first_start AND q.rate_limit IS NOT NULL),
        trimmed AS (
            DELETE FROM {{Sql.Schema}}.queue_starts s
            USING queue q
            WHERE s.queue = @queue AND s.partition_key = ANY (@keys)
              AND s.started_at <= clock_timestamp() - q.rate_period)
        SELECT * FROM claimed
        """;

    public async Task<List<ClaimedWorkflow>> ClaimAsync(
        string executorId, string applicationVersion, string queue, string[] names, int limit,
        CancellationToken cancellationToken, int suspects = 1)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionDisposal = transaction.ConfigureAwait(false);

        var keys = new List<string>();
        var lockCommand = new NpgsqlCommand(LockSql, connection, transaction);
        await using (lockCommand.ConfigureAwait(false))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter("lock_space", LockSpace));
            lockCommand.Parameters.Add(new NpgsqlParameter("queue", queue));
            lockCommand.Parameters.Add(new NpgsqlParameter("max_partitions", MaxPartitions));
            lockCommand.Parameters.Add(new NpgsqlParameter("application_version", applicationVersion));
            var reader = await lockCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                keys.Add(reader.GetString(0));
        }

        List<ClaimedWorkflow> claimed;
        var claimCommand = new NpgsqlCommand(ClaimSql, connection, transaction);
        await using (claimCommand.ConfigureAwait(false))
        {
            claimCommand.Parameters.Add(new NpgsqlParameter("queue", queue));
            claimCommand.Parameters.Add(new NpgsqlParameter("keys", keys.ToArray()));
            claimCommand.Parameters.Add(new NpgsqlParameter("names", names));
            claimCommand.Parameters.Add(new NpgsqlParameter("limit", limit));
            claimCommand.Parameters.Add(new NpgsqlParameter("suspects", Math.Min(suspects, limit)));
            claimCommand.Parameters.Add(new NpgsqlParameter("executor_id", executorId));
            claimCommand.Parameters.Add(new NpgsqlParameter("application_version", applicationVersion));
            var reader = await claimCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            claimed = await QueueClaims.ReadClaimedAsync(reader, executorId, limit, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claimed;
    }
}
