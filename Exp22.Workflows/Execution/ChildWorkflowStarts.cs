using Exp22.Workflows.Storage;
using Exp22.Workflows.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Enqueues a parent's children in one statement, fenced by the parent's claim. Children inherit the
/// parent's partition key and application version: the code that started them is the code that runs them.
/// </summary>
internal sealed class ChildWorkflowStarts(NpgsqlDataSource dataSource)
{
    private const string InsertSql = $$"""
        INSERT INTO {{Sql.Schema}}.workflows (id, run_id, parent_id, child_seq, name, queue, priority, status, input,
                                     trace_parent, trace_state, partition_key, application_version)
        SELECT c.id, w.run_id, w.id, c.seq, @name, @queue, @priority, {{Sql.Enqueued}}, c.input,
               coalesce(@trace_parent, w.trace_parent), CASE WHEN @trace_parent IS NULL THEN w.trace_state ELSE @trace_state END,
               w.partition_key, w.application_version
        FROM {{Sql.Schema}}.workflows w,
             unnest(@ids, @seqs, @inputs) AS c (id, seq, input)
        WHERE w.id = @parent_id
          AND {{ClaimFence.Holds}}
        FOR SHARE OF w
        """;

    private const string NotifySql = "SELECT pg_notify(@channel, @queue)";

    public async Task StartAsync(
        ClaimedWorkflow parent, string name, string queue, int priority,
        Guid[] ids, int[] seqs, string[] inputs, CancellationToken cancellationToken)
    {
        // Children continue the span of the parent's execution that started them; without one (nobody
        // records spans here) they inherit the parent's own stored context, so the run stays one trace.
        var traceContext = TraceContextColumns.OfCurrent();
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        var insert = new NpgsqlBatchCommand(InsertSql)
        {
            Parameters =
            {
                new("name", name),
                new("queue", queue),
                new("priority", priority),
                new("ids", ids),
                new("seqs", seqs),
                new("inputs", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = inputs },
                new("parent_id", parent.Id),
                new("trace_parent", NpgsqlDbType.Text) { Value = traceContext.TraceParentValue },
                new("trace_state", NpgsqlDbType.Text) { Value = traceContext.TraceStateValue },
            },
        };
        ClaimFence.AddParameters(insert.Parameters, parent);
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NotifySql)
        {
            Parameters = { new("channel", Notifications.Enqueued), new("queue", queue) },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (batch.BatchCommands[0].RecordsAffected != ids.Length)
            throw new WorkflowFencedException(parent.Id, $"starting {ids.Length} child workflow(s) '{name}'");
        WorkflowTelemetry.Enqueued.Add(ids.Length, WorkflowTelemetry.WorkflowTags(name, queue));
    }
}
