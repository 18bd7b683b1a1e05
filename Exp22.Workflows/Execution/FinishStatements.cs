using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The SQL that records workflows' final status (SUCCESS or ERROR), fenced by each one's claim, and
/// wakes every parent whose last awaited child this was, under the parent's row lock.
/// </summary>
internal sealed class FinishStatements(NpgsqlDataSource dataSource)
{
    private const string FinishOneSql = $$"""
        UPDATE {{Sql.Schema}}.workflows w
        SET status = @status, output = @output, error = @error, error_detail = @error_detail, completed_at = now()
        WHERE w.id = @id
          AND {{ClaimFence.Holds}}
        """;

    private const string FinishManySql = $$"""
        UPDATE {{Sql.Schema}}.workflows w
        SET status = f.status, output = f.output, error = f.error, error_detail = f.error_detail, completed_at = now()
        FROM unnest(@ids, @executor_ids, @attempts, @statuses, @outputs, @errors, @error_details)
                 AS f (id, executor_id, attempt, status, output, error, error_detail)
        WHERE w.id = f.id
          AND w.executor_id = f.executor_id
          AND w.attempt = f.attempt
          AND w.status = {{Sql.Running}}
        RETURNING w.id
        """;

    // Taken as its own statement so that the next statement's snapshot sees every sibling that finished
    // before this lock was granted (READ COMMITTED takes a snapshot per statement). In id order, so that
    // two batches sharing parents queue behind each other instead of deadlocking.
    private const string LockParentsSql = $$"""
        SELECT 1 FROM {{Sql.Schema}}.workflows WHERE id = ANY (@parent_ids) ORDER BY id FOR NO KEY UPDATE
        """;

    // One notification per queue however many parents woke (PostgreSQL also folds identical ones).
    private const string WakeParentsSql = $$"""
        WITH woken AS (
            UPDATE {{Sql.Schema}}.workflows p
            SET status = {{Sql.Enqueued}}, waiting_for = NULL
            WHERE p.id = ANY (@parent_ids)
              AND p.status = {{Sql.Running}}
              AND p.waiting_for IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM {{Sql.Schema}}.workflows c
                  WHERE c.id = ANY (p.waiting_for) AND c.status IN ({{Sql.Enqueued}}, {{Sql.Running}}))
            RETURNING p.queue)
        SELECT pg_notify(@channel, queue) FROM (SELECT DISTINCT queue FROM woken) AS queues
        """;

    /// <returns>The finishes written; the others were refused by their fence.</returns>
    public async Task<IReadOnlySet<PendingFinish>> WriteManyAsync(IReadOnlyList<PendingFinish> finishes, CancellationToken cancellationToken)
    {
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(FinishManySql)
        {
            Parameters =
            {
                new("ids", finishes.Select(f => f.Workflow.Id).ToArray()),
                new("executor_ids", finishes.Select(f => f.Workflow.ExecutorId).ToArray()),
                new("attempts", finishes.Select(f => f.Workflow.Attempt).ToArray()),
                new("statuses", finishes.Select(f => f.Status).ToArray()),
                new("outputs", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = finishes.Select(f => f.Output).ToArray() },
                new("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = finishes.Select(f => f.Error).ToArray() },
                new("error_details", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = finishes.Select(f => f.ErrorDetail).ToArray() },
            },
        });
        AddParentWake(batch, [.. finishes.Select(f => f.Workflow.ParentId).OfType<Guid>().Distinct()]);

        var byId = new Dictionary<Guid, PendingFinish>(finishes.Count);
        foreach (var finish in finishes)
            byId.TryAdd(finish.Workflow.Id, finish);
        var written = new HashSet<PendingFinish>(finishes.Count);
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            written.Add(byId[reader.GetGuid(0)]);
        return written;
    }

    /// <returns>false when the fence refused the write.</returns>
    public async Task<bool> WriteOneAsync(PendingFinish finish, CancellationToken cancellationToken)
    {
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        var finishOne = new NpgsqlBatchCommand(FinishOneSql)
        {
            Parameters =
            {
                new("status", finish.Status),
                new("output", NpgsqlDbType.Jsonb) { Value = (object?)finish.Output ?? DBNull.Value },
                new("error", NpgsqlDbType.Text) { Value = (object?)finish.Error ?? DBNull.Value },
                new("error_detail", NpgsqlDbType.Text) { Value = (object?)finish.ErrorDetail ?? DBNull.Value },
                new("id", finish.Workflow.Id),
            },
        };
        ClaimFence.AddParameters(finishOne.Parameters, finish.Workflow);
        batch.BatchCommands.Add(finishOne);
        if (finish.Workflow.ParentId is { } parentId)
            AddParentWake(batch, [parentId]);

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[0].RecordsAffected == 1;
    }

    private static void AddParentWake(NpgsqlBatch batch, Guid[] parentIds)
    {
        if (parentIds.Length == 0)
            return;
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LockParentsSql) { Parameters = { new("parent_ids", parentIds) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(WakeParentsSql)
        {
            Parameters = { new("parent_ids", parentIds), new("channel", Notifications.Enqueued) },
        });
    }
}
