using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Puts every workflow an executor id still holds back on the queue in one statement, and wakes the
/// other executors so they resume them at once from their last checkpoint. Used by a drain for what
/// did not finish in time, and at start for what a previous process with the same id left behind.
/// Each attempt it ends is recorded as an interruption, which monitoring shows as a handover.
/// </summary>
internal sealed class Handover(NpgsqlDataSource dataSource)
{
    private const string Sql = """
        WITH handed AS (
            UPDATE exp22.workflows
            SET status = 'ENQUEUED', executor_id = NULL
            WHERE executor_id = @executor_id AND status = 'RUNNING'
            RETURNING id, attempt, queue),
        recorded AS (
            INSERT INTO exp22.workflow_interruptions (workflow_id, attempt, executor_id, reason)
            SELECT id, attempt, @executor_id, @reason FROM handed
            ON CONFLICT DO NOTHING),
        per_queue AS (
            SELECT queue, count(*) AS workflows FROM handed GROUP BY queue)
        SELECT coalesce(sum(workflows), 0)::int, count(pg_notify(@channel, queue))::int FROM per_queue
        """;

    /// <summary>A drain hands back what did not finish within the completion timeout.</summary>
    public Task<int> HandOverAsync(string executorId, CancellationToken cancellationToken) =>
        HandBackAsync(executorId, InterruptionReasons.Handover, cancellationToken);

    /// <summary>A process starting under an id takes back what its previous process left running.</summary>
    public Task<int> TakeBackAsync(string executorId, CancellationToken cancellationToken) =>
        HandBackAsync(executorId, InterruptionReasons.Restart, cancellationToken);

    private async Task<int> HandBackAsync(string executorId, string reason, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter("executor_id", executorId));
        command.Parameters.Add(new NpgsqlParameter("reason", reason));
        command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Enqueued));
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
