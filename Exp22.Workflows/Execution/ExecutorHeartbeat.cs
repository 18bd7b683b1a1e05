using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Proves this executor alive and, in the same round trip, re-enqueues the workflows of executors
/// that stopped proving it. Liveness is judged on the database clock, so executors' clocks may differ.
/// </summary>
internal sealed class ExecutorHeartbeat(NpgsqlDataSource dataSource)
{
    private const string BeatSql = """
        INSERT INTO exp22.executors (id, application_version, state)
        VALUES (@executor_id, @application_version, @state)
        ON CONFLICT (id) DO UPDATE
        SET heartbeat_at = now(), state = excluded.state, application_version = excluded.application_version
        """;

    // Each recovered workflow counts one crash recovery (its executor died holding it). SKIP LOCKED: a
    // row locked by a transaction of a process that hangs (stopped, not dead) would otherwise block this
    // heartbeat until the hung process is killed, and the live executor would look dead in turn.
    private const string RecoverSql = $$"""
        WITH abandoned AS (
            SELECT w.id, {{CrashRecoverySql.ProgressColumn}}
            FROM exp22.workflows w
            WHERE w.status = 'RUNNING'
              AND w.executor_id IS NOT NULL
              AND w.executor_id <> @executor_id
              AND NOT EXISTS (
                  SELECT 1 FROM exp22.executors e
                  WHERE e.id = w.executor_id AND e.heartbeat_at > now() - @heartbeat_timeout)
            FOR UPDATE OF w SKIP LOCKED),
        recovered AS (
            UPDATE exp22.workflows w
            SET {{CrashRecoverySql.SetRecovered}}
            FROM abandoned a
            WHERE w.id = a.id
            RETURNING w.queue),
        per_queue AS (
            SELECT queue, count(*) AS workflows FROM recovered GROUP BY queue)
        SELECT coalesce(sum(workflows), 0)::int, count(pg_notify(@channel, queue))::int FROM per_queue
        """;

    private const string LeaveSql = "DELETE FROM exp22.executors WHERE id = @executor_id";

    /// <param name="recoverOthers">
    /// False while this executor's own recent beats failed: the others' silence then most likely has the
    /// same cause (the database was away), and re-enqueueing their work would only make it run twice.
    /// </param>
    /// <returns>How many workflows of dead executors were put back on the queue.</returns>
    public async Task<int> BeatAsync(
        string executorId, string applicationVersion, string state, TimeSpan heartbeatTimeout, bool recoverOthers,
        CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        // The recovery comes first so that its count is the batch's scalar.
        if (recoverOthers)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(RecoverSql)
            {
                Parameters =
                {
                    new("executor_id", executorId),
                    new("heartbeat_timeout", heartbeatTimeout),
                    new("channel", Notifications.Enqueued),
                },
            });
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(BeatSql)
        {
            Parameters =
            {
                new("executor_id", executorId),
                new("application_version", applicationVersion),
                new("state", state),
            },
        });
        if (!recoverOthers)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return 0;
        }

        return (int)(await batch.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task LeaveAsync(string executorId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(LeaveSql);
        command.Parameters.Add(new NpgsqlParameter("executor_id", executorId));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
