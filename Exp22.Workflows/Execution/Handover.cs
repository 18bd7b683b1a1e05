using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Puts every workflow an executor id still holds back on the queue in one statement, and wakes the
/// other executors so they resume them at once from their last checkpoint. Used by a drain for what
/// did not finish in time, and at start for what a previous process with the same id left behind.
/// Each attempt it ends is recorded as an interruption, which monitoring shows as a handover. The
/// workflows keep their application version, so only executors of that version claim them again.
/// </summary>
internal sealed class Handover(NpgsqlDataSource dataSource)
{
    private const string HandOverSql = $$"""
        WITH handed AS (
            UPDATE {{Sql.Schema}}.workflows
            SET status = {{Sql.Enqueued}}, executor_id = NULL
            WHERE executor_id = @executor_id AND status = {{Sql.Running}}
            RETURNING id, attempt, queue),
        recorded AS (
            INSERT INTO {{Sql.Schema}}.workflow_interruptions (workflow_id, attempt, executor_id, reason)
            SELECT id, attempt, @executor_id, @reason FROM handed
            ON CONFLICT DO NOTHING),
        per_queue AS (
            SELECT queue, count(*) AS workflows FROM handed GROUP BY queue)
        SELECT coalesce(sum(workflows), 0)::int, count(pg_notify(@channel, queue))::int FROM per_queue
        """;

    // What a previous process left behind, it left by dying (a drain hands everything back before it
    // exits): each workflow counts one crash recovery, as when a survivor recovers it. Every version's: a
    // process of a new build may reuse the id, and the old build's work held under a live id would never
    // be recovered; back on the queue it keeps its version, so only an executor of that version claims it.
    private const string TakeBackSql = $$"""
        WITH left_behind AS (
            SELECT w.id, {{CrashRecoverySql.ProgressColumn}}
            FROM {{Sql.Schema}}.workflows w
            WHERE w.executor_id = @executor_id AND w.status = {{Sql.Running}}
            FOR UPDATE OF w),
        taken AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET {{CrashRecoverySql.SetRecovered}}
            FROM left_behind a
            WHERE w.id = a.id
            RETURNING w.id, w.attempt, w.queue),
        recorded AS (
            INSERT INTO {{Sql.Schema}}.workflow_interruptions (workflow_id, attempt, executor_id, reason)
            SELECT id, attempt, @executor_id, @reason FROM taken
            ON CONFLICT DO NOTHING),
        per_queue AS (
            SELECT queue, count(*) AS workflows FROM taken GROUP BY queue)
        SELECT coalesce(sum(workflows), 0)::int, count(pg_notify(@channel, queue))::int FROM per_queue
        """;

    /// <summary>
    /// A drain hands back what did not finish within the completion timeout: not a crash, so it does
    /// not count against the workflows' recoveries.
    /// </summary>
    public Task<int> HandOverAsync(string executorId, CancellationToken cancellationToken) =>
        RunAsync(HandOverSql, executorId, InterruptionReasons.Handover, cancellationToken);

    /// <summary>At start: the leftovers of this id's previous process, which died holding them.</summary>
    public Task<int> TakeBackAsync(string executorId, CancellationToken cancellationToken) =>
        RunAsync(TakeBackSql, executorId, InterruptionReasons.Restart, cancellationToken);

    private async Task<int> RunAsync(string sql, string executorId, string reason, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(sql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("executor_id", executorId));
        command.Parameters.Add(new NpgsqlParameter("reason", reason));
        command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Enqueued));
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
