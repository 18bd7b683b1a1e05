using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Cancels the runs whose deadline has passed, with their descendants, the reason kept in their error,
/// and tells the executors running any of them to stop (their steps' cancellation tokens fire). Part of
/// every heartbeat, so it fires on the database clock whichever executors are alive, restarted or not.
/// </summary>
internal static class DeadlineSweep
{
    /// <summary>Runs cancelled per beat at most: a backlog of expired runs is worked off over a few beats.</summary>
    public const int BatchSize = 100;

    // SKIP LOCKED: a run another executor's beat is cancelling right now is left to it.
    private const string SweepSql = $$"""
        WITH RECURSIVE expired AS (
            SELECT id, deadline
            FROM {{Sql.Schema}}.workflows
            WHERE deadline IS NOT NULL
              AND status IN ({{Sql.Enqueued}}, {{Sql.Running}})
              AND deadline <= now()
            ORDER BY deadline
            LIMIT @batch
            FOR UPDATE SKIP LOCKED),
        tree AS (
            SELECT id, deadline FROM expired
            UNION ALL
            SELECT c.id, t.deadline FROM {{Sql.Schema}}.workflows c JOIN tree t ON c.parent_id = t.id),
        cancelled AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET status = {{Sql.Cancelled}}, completed_at = now(), waiting_for = NULL,
                error = 'Cancelled: the run''s deadline (' || to_char(tree.deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ') passed'
            FROM tree
            WHERE w.id = tree.id AND w.status IN ({{Sql.Enqueued}}, {{Sql.Running}})
            RETURNING w.id, w.executor_id)
        SELECT count(*)::int, count(pg_notify(@channel, id::text)) FILTER (WHERE executor_id IS NOT NULL)::int FROM cancelled
        """;

    public static NpgsqlBatchCommand Command() => new(SweepSql)
    {
        Parameters =
        {
            new("batch", BatchSize),
            new("channel", Notifications.Cancelled),
        },
    };
}
