using Exp22.Workflows.Storage;
using Exp22.Workflows.Telemetry;
using Npgsql;

namespace Exp22.Workflows.Retention;

/// <summary>
/// Deletes finished runs older than the retention period, a batch of runs per statement: each statement
/// locks and deletes a few hundred rows and commits, so no lock is held for long and autovacuum keeps
/// up between batches instead of facing one huge delete.
/// </summary>
internal sealed class RetentionSweep(NpgsqlDataSource dataSource)
{
    // A run goes whole (root, children, their steps and interruptions by cascade), and only once nothing
    // in it can still run. Children reference their parent: the foreign key is checked at the end of the
    // statement, by which time the whole tree is gone.
    private const string DeleteBatchSql = $$"""
        WITH expired AS (
            SELECT r.id
            FROM {{Sql.Schema}}.workflows r
            WHERE r.status IN ({{Sql.Success}}, {{Sql.Error}}, {{Sql.Cancelled}}, {{Sql.MaxRecoveryExceeded}})
              AND r.completed_at < now() - @period
              AND r.parent_id IS NULL
              AND NOT EXISTS (
                  SELECT 1 FROM {{Sql.Schema}}.workflows d
                  WHERE d.run_id = r.id AND d.status IN ({{Sql.Enqueued}}, {{Sql.Running}}))
            ORDER BY r.completed_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED),
        deleted AS (
            DELETE FROM {{Sql.Schema}}.workflows w
            USING expired
            WHERE w.run_id = expired.id
            RETURNING w.parent_id IS NULL AS root)
        SELECT count(*) FILTER (WHERE root)::int, count(*)::int FROM deleted
        """;

    /// <summary>Deletes batches until one comes back short.</summary>
    /// <returns>The runs and the workflows (runs and children) deleted.</returns>
    public async Task<(int Runs, int Workflows)> SweepAsync(TimeSpan period, int batchSize, CancellationToken cancellationToken)
    {
        var (runs, workflows) = (0, 0);
        while (true)
        {
            var command = dataSource.CreateCommand(DeleteBatchSql);
            await using var commandDisposal = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter("period", period));
            command.Parameters.Add(new NpgsqlParameter("batch", batchSize));
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var (batchRuns, batchWorkflows) = (reader.GetInt32(0), reader.GetInt32(1));
            WorkflowTelemetry.RetentionDeleted.Add(batchWorkflows);
            runs += batchRuns;
            workflows += batchWorkflows;
            if (batchRuns < batchSize)
                return (runs, workflows);
        }
    }
}
