using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Puts one workflow back on the queue after its execution broke for a reason that is not the
/// workflow's fault (the database went away mid-write): fenced, so it never undoes a newer claim.
/// </summary>
internal sealed class Release(NpgsqlDataSource dataSource)
{
    private const string ReleaseSql = $$"""
        WITH released AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET status = {{Sql.Enqueued}}, executor_id = NULL
            WHERE w.id = @id AND {{ClaimFence.Holds}}
            RETURNING id, attempt, queue),
        recorded AS (
            INSERT INTO {{Sql.Schema}}.workflow_interruptions (workflow_id, attempt, executor_id, reason)
            SELECT id, attempt, @executor_id, @reason FROM released
            ON CONFLICT DO NOTHING)
        SELECT pg_notify(@channel, queue) FROM released
        """;

    public async Task ReleaseAsync(ClaimedWorkflow workflow, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(ReleaseSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("id", workflow.Id));
        ClaimFence.AddParameters(command.Parameters, workflow);
        command.Parameters.Add(new NpgsqlParameter("reason", InterruptionReasons.Release));
        command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Enqueued));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
