using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The SQL of step checkpoints: many in one statement (the group commit), or one alone. Every row is
/// fenced by its own workflow's claim (executor id + attempt + RUNNING).
/// </summary>
internal sealed class CheckpointStatements(NpgsqlDataSource dataSource)
{
    // FOR SHARE holds each workflow row until commit, so a handover or recovery (which updates that row)
    // is ordered strictly before or after this write: either the checkpoint lands before the new owner
    // loads history, or the fence no longer matches and that row is not written. RETURNING names the
    // rows whose fence held.
    private const string ManySql = $$"""
        INSERT INTO {{Sql.Schema}}.steps (workflow_id, seq, name, output, error, error_detail, executor_id, attempt, tries,
                                 started_at, completed_at)
        SELECT w.id, c.seq, c.name, c.output, c.error, c.error_detail, w.executor_id, w.attempt, c.tries, c.started_at, now()
        FROM unnest(@workflow_ids, @seqs, @names, @outputs, @errors, @error_details, @executor_ids, @attempts, @tries,
                    @started_ats)
                 AS c (workflow_id, seq, name, output, error, error_detail, executor_id, attempt, tries, started_at)
        JOIN {{Sql.Schema}}.workflows w ON w.id = c.workflow_id
        WHERE w.executor_id = c.executor_id
          AND w.attempt = c.attempt
          AND w.status = {{Sql.Running}}
        FOR SHARE OF w
        RETURNING workflow_id, seq
        """;

    private const string OneSql = $$"""
        INSERT INTO {{Sql.Schema}}.steps (workflow_id, seq, name, output, error, error_detail, executor_id, attempt, tries,
                                 started_at, completed_at)
        SELECT w.id, @seq, @name, @output, @error, @error_detail, w.executor_id, w.attempt, @tries, @started_at, now()
        FROM {{Sql.Schema}}.workflows w
        WHERE w.id = @workflow_id
          AND {{ClaimFence.Holds}}
        FOR SHARE
        """;

    /// <returns>The checkpoints written; the others were refused by their fence.</returns>
    public async Task<IReadOnlySet<PendingCheckpoint>> WriteManyAsync(
        IReadOnlyList<PendingCheckpoint> checkpoints, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(ManySql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("workflow_ids", checkpoints.Select(c => c.Workflow.Id).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("seqs", checkpoints.Select(c => c.Seq).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("names", checkpoints.Select(c => c.Name).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("outputs", NpgsqlDbType.Array | NpgsqlDbType.Jsonb)
        {
            Value = checkpoints.Select(c => c.Output).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = checkpoints.Select(c => c.Error).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("error_details", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = checkpoints.Select(c => c.ErrorDetail).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("executor_ids", checkpoints.Select(c => c.Workflow.ExecutorId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("attempts", checkpoints.Select(c => c.Workflow.Attempt).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("tries", checkpoints.Select(c => c.Tries).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("started_ats", checkpoints.Select(c => c.StartedAt.ToUniversalTime()).ToArray()));

        // A position submitted twice fails the insert on the primary key, and each is then retried alone.
        var byKey = new Dictionary<(Guid, int), PendingCheckpoint>(checkpoints.Count);
        foreach (var checkpoint in checkpoints)
            byKey.TryAdd((checkpoint.Workflow.Id, checkpoint.Seq), checkpoint);
        var written = new HashSet<PendingCheckpoint>(checkpoints.Count);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            written.Add(byKey[(reader.GetGuid(0), reader.GetInt32(1))]);
        return written;
    }

    /// <returns>false when the fence refused the write.</returns>
    public async Task<bool> WriteOneAsync(PendingCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(OneSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("workflow_id", checkpoint.Workflow.Id));
        command.Parameters.Add(new NpgsqlParameter("seq", checkpoint.Seq));
        command.Parameters.Add(new NpgsqlParameter("name", checkpoint.Name));
        command.Parameters.Add(new NpgsqlParameter("output", NpgsqlDbType.Jsonb) { Value = (object?)checkpoint.Output ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)checkpoint.Error ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("error_detail", NpgsqlDbType.Text) { Value = (object?)checkpoint.ErrorDetail ?? DBNull.Value });
        ClaimFence.AddParameters(command.Parameters, checkpoint.Workflow);
        command.Parameters.Add(new NpgsqlParameter("tries", checkpoint.Tries));
        command.Parameters.Add(new NpgsqlParameter("started_at", checkpoint.StartedAt));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
