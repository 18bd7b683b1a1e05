using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The end of one execution: the workflow finished (SUCCESS or ERROR), or it parked to wait for its
/// children. Both are fenced by the claim, and both settle the parent/child hand-off under the parent's
/// row lock so that a parent is woken exactly when its last awaited child is done.
/// </summary>
internal sealed class WorkflowOutcomes : IAsyncDisposable
{
    private const string LockSelfSql = $"SELECT 1 FROM {Sql.Schema}.workflows WHERE id = @id FOR NO KEY UPDATE";

    // If every awaited child already finished (they can race the parent), the parent goes straight back
    // to the queue instead of waiting for a wake-up that has already happened.
    private const string ParkSql = $$"""
        WITH pending AS (
            SELECT EXISTS (
                SELECT 1 FROM {{Sql.Schema}}.workflows c
                WHERE c.id = ANY (@waiting_for) AND c.status IN ({{Sql.Enqueued}}, {{Sql.Running}})) AS any),
        parked AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET executor_id = NULL,
                status = CASE WHEN pending.any THEN {{Sql.Running}} ELSE {{Sql.Enqueued}} END,
                waiting_for = CASE WHEN pending.any THEN @waiting_for END
            FROM pending
            WHERE w.id = @id
              AND {{ClaimFence.Holds}}
            RETURNING w.status, w.queue)
        SELECT status, CASE WHEN status = {{Sql.Enqueued}} THEN pg_notify(@channel, queue) END FROM parked
        """;

    // Waiting for a time (and maybe a message): back on the queue, but not claimable before the time. A
    // message already sent to the topic (a send that raced this park) makes it claimable at once; the
    // send takes the same row lock, so it either ran before this statement's snapshot or sees the
    // waiting topic once this commits.
    private const string ParkUntilSql = $$"""
        WITH parked AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET executor_id = NULL,
                status = {{Sql.Enqueued}},
                waiting_topic = @topic,
                not_before = CASE WHEN @topic::text IS NOT NULL AND EXISTS (
                                      SELECT 1 FROM {{Sql.Schema}}.messages m
                                      WHERE m.workflow_id = w.id AND m.topic = @topic AND m.consumed_seq IS NULL)
                                  THEN NULL ELSE @wake_at END
            WHERE w.id = @id
              AND {{ClaimFence.Holds}}
            RETURNING w.queue, w.not_before)
        SELECT not_before, CASE WHEN not_before IS NULL THEN pg_notify(@channel, queue) END FROM parked
        """;

    private readonly NpgsqlDataSource _dataSource;

    // Siblings finishing together share one transaction, so their parent's row lock is taken once per
    // batch rather than once per child, each holding it through its own commit.
    private readonly GroupCommit<PendingFinish> _finishes;

    public WorkflowOutcomes(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        var statements = new FinishStatements(dataSource);
        _finishes = new GroupCommit<PendingFinish>(statements.WriteManyAsync, statements.WriteOneAsync);
    }

    public Task SucceedAsync(ClaimedWorkflow workflow, string output, CancellationToken cancellationToken) =>
        FinishAsync(workflow, WorkflowStatus.Success, output, null, cancellationToken);

    public Task FailAsync(ClaimedWorkflow workflow, Failure failure, CancellationToken cancellationToken) =>
        FinishAsync(workflow, WorkflowStatus.Error, null, failure, cancellationToken);

    /// <summary>Ends a workflow recovered too often, through the same fenced finish (its waiting parent wakes up).</summary>
    public Task GiveUpAsync(ClaimedWorkflow workflow, string error, CancellationToken cancellationToken) =>
        FinishAsync(workflow, WorkflowStatus.MaxRecoveryExceeded, null, new Failure(error, null), cancellationToken);

    private async Task FinishAsync(
        ClaimedWorkflow workflow, string status, string? output, Failure? failure, CancellationToken cancellationToken)
    {
        if (!await _finishes.WriteAsync(new PendingFinish(workflow, status, output, failure, cancellationToken)).ConfigureAwait(false))
            throw new WorkflowFencedException(workflow.Id, $"recording {status}");
    }

    public ValueTask DisposeAsync() => _finishes.DisposeAsync();

    /// <returns>true when the workflow now waits; false when its children were already done and it is back on the queue.</returns>
    public async Task<bool> ParkAsync(ClaimedWorkflow workflow, Guid[] waitingFor, CancellationToken cancellationToken)
    {
        var status = await DeadlockRetry.RunAsync(async ct =>
        {
            var batch = ParkBatch(workflow, ParkSql, new NpgsqlParameter<Guid[]>("waiting_for", waitingFor));
            await using var batchDisposal = batch.ConfigureAwait(false);
            var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? reader.GetString(0) : null;
        }, cancellationToken).ConfigureAwait(false);

        return status switch
        {
            null => throw new WorkflowFencedException(workflow.Id, "parking to wait for its children"),
            WorkflowStatus.Running => true,
            _ => false,
        };
    }

    /// <returns>When the workflow is claimable again: <paramref name="wakeAt"/>, or null when a message was already waiting.</returns>
    public async Task<DateTimeOffset?> ParkUntilAsync(
        ClaimedWorkflow workflow, DateTimeOffset wakeAt, string? topic, CancellationToken cancellationToken)
    {
        var result = await DeadlockRetry.RunAsync(async ct =>
        {
            var batch = ParkBatch(
                workflow, ParkUntilSql,
                new NpgsqlParameter("topic", NpgsqlDbType.Text) { Value = (object?)topic ?? DBNull.Value },
                new NpgsqlParameter<DateTimeOffset>("wake_at", wakeAt));
            await using var batchDisposal = batch.ConfigureAwait(false);
            var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                return (Parked: false, WakeAt: (DateTimeOffset?)null);
            return (Parked: true, WakeAt: reader.GetValueOrNull<DateTimeOffset>(0));
        }, cancellationToken).ConfigureAwait(false);

        return result.Parked
            ? result.WakeAt
            : throw new WorkflowFencedException(workflow.Id, topic is null ? "parking until its wake-up time" : $"parking to wait for a message on '{topic}'");
    }

    // The row lock first, as its own statement, so that the park's snapshot sees every child that finished
    // before the lock was granted; the park's rows are the batch's second result.
    private NpgsqlBatch ParkBatch(ClaimedWorkflow workflow, string parkSql, params NpgsqlParameter[] parameters)
    {
        var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LockSelfSql) { Parameters = { new NpgsqlParameter<Guid>("id", workflow.Id) } });
        var park = new NpgsqlBatchCommand(parkSql);
        park.Parameters.AddRange(parameters);
        park.Parameters.Add(new NpgsqlParameter<Guid>("id", workflow.Id));
        park.Parameters.Add(new NpgsqlParameter<string>("channel", Notifications.Enqueued));
        ClaimFence.AddParameters(park.Parameters, workflow);
        batch.BatchCommands.Add(park);
        return batch;
    }

}
