using Exp22.Workflows.Client;
using Exp22.Workflows.Storage;
using Exp22.Workflows.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Enqueues a parent's children in one statement, fenced by the parent's claim. Children inherit the
/// parent's partition key and application version: the code that started them is the code that runs them.
/// The queue's notification follows the commit through <see cref="EnqueueNotifier"/>, as a client's enqueue
/// does: a NOTIFY in the insert's transaction made every parent starting children wait at commit for
/// PostgreSQL's global notification lock (docs/performance.md#where-the-time-goes-and-what-stands-in-the-way-of-the-targets).
/// </summary>
internal sealed class ChildWorkflowStarts(NpgsqlDataSource dataSource)
{
    private readonly EnqueueNotifier _notifier = new(dataSource);

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

    public async Task StartAsync(
        ClaimedWorkflow parent, string name, string queue, int priority,
        Guid[] ids, int[] seqs, string[] inputs, CancellationToken cancellationToken)
    {
        // Children continue the span of the parent's execution that started them; without one (nobody
        // records spans here) they inherit the parent's own stored context, so the run stays one trace.
        var traceContext = TraceContextColumns.OfCurrent();
        var insert = dataSource.CreateCommand(InsertSql);
        await using var insertDisposal = insert.ConfigureAwait(false);
        insert.Parameters.Add(new NpgsqlParameter("name", name));
        insert.Parameters.Add(new NpgsqlParameter("queue", queue));
        insert.Parameters.Add(new NpgsqlParameter("priority", priority));
        insert.Parameters.Add(new NpgsqlParameter("ids", ids));
        insert.Parameters.Add(new NpgsqlParameter("seqs", seqs));
        insert.Parameters.Add(new NpgsqlParameter("inputs", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = inputs });
        insert.Parameters.Add(new NpgsqlParameter("parent_id", parent.Id));
        insert.Parameters.Add(new NpgsqlParameter("trace_parent", NpgsqlDbType.Text) { Value = traceContext.TraceParentValue });
        insert.Parameters.Add(new NpgsqlParameter("trace_state", NpgsqlDbType.Text) { Value = traceContext.TraceStateValue });
        ClaimFence.AddParameters(insert.Parameters, parent);
        if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != ids.Length)
            throw new WorkflowFencedException(parent.Id, $"starting {ids.Length} child workflow(s) '{name}'");
        _notifier.Notify(queue);
        WorkflowTelemetry.Enqueued.Add(ids.Length, WorkflowTelemetry.WorkflowTags(name, queue));
    }
}
