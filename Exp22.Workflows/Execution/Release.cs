using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Puts one workflow back on the queue after its execution broke for a reason that is not the
/// workflow's fault (the database went away mid-write): fenced, so it never undoes a newer claim.
/// </summary>
internal sealed class Release(NpgsqlDataSource dataSource)
{
    private const string Sql = """
        WITH released AS (
            UPDATE exp22.workflows
            SET status = 'ENQUEUED', executor_id = NULL
            WHERE id = @id AND executor_id = @executor_id AND attempt = @attempt AND status = 'RUNNING'
            RETURNING id, attempt, queue),
        recorded AS (
            INSERT INTO exp22.workflow_interruptions (workflow_id, attempt, executor_id, reason)
            SELECT id, attempt, @executor_id, @reason FROM released
            ON CONFLICT DO NOTHING)
        SELECT pg_notify(@channel, queue) FROM released
        """;

    public async Task ReleaseAsync(ClaimedWorkflow workflow, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(Sql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("id", workflow.Id));
        command.Parameters.Add(new NpgsqlParameter("executor_id", workflow.ExecutorId));
        command.Parameters.Add(new NpgsqlParameter("attempt", workflow.Attempt));
        command.Parameters.Add(new NpgsqlParameter("reason", InterruptionReasons.Release));
        command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Enqueued));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
