using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>Writes a step's checkpoint, fenced by the claim.</summary>
internal sealed class StepCheckpoints(NpgsqlDataSource dataSource)
{
    // FOR SHARE holds the workflow row until commit, so a handover or recovery (which updates that row)
    // is ordered strictly before or after this write: either the checkpoint lands before the new owner
    // loads history, or the fence no longer matches and nothing is written.
    private const string Sql = """
        INSERT INTO exp22.steps (workflow_id, seq, name, output, error, executor_id, attempt, tries, started_at, completed_at)
        SELECT w.id, @seq, @name, @output, @error, w.executor_id, w.attempt, @tries, @started_at, now()
        FROM exp22.workflows w
        WHERE w.id = @workflow_id
          AND w.executor_id = @executor_id
          AND w.attempt = @attempt
          AND w.status = 'RUNNING'
        FOR SHARE
        """;

    public async Task SaveAsync(
        ClaimedWorkflow workflow, int seq, string name, string? output, string? error, int tries,
        DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter("workflow_id", workflow.Id));
        command.Parameters.Add(new NpgsqlParameter("seq", seq));
        command.Parameters.Add(new NpgsqlParameter("name", name));
        command.Parameters.Add(new NpgsqlParameter("output", NpgsqlDbType.Jsonb) { Value = (object?)output ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)error ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("executor_id", workflow.ExecutorId));
        command.Parameters.Add(new NpgsqlParameter("attempt", workflow.Attempt));
        command.Parameters.Add(new NpgsqlParameter("tries", tries));
        command.Parameters.Add(new NpgsqlParameter("started_at", startedAt));
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            throw new WorkflowFencedException(workflow.Id, $"the checkpoint of step {seq} '{name}'");
    }
}
