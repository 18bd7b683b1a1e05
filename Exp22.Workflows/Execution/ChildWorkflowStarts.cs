using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>Enqueues a parent's children in one statement, fenced by the parent's claim.</summary>
internal sealed class ChildWorkflowStarts(NpgsqlDataSource dataSource)
{
    private const string InsertSql = """
        INSERT INTO exp22.workflows (id, run_id, parent_id, child_seq, name, queue, priority, status, input)
        SELECT c.id, w.run_id, w.id, c.seq, @name, @queue, @priority, 'ENQUEUED', c.input
        FROM exp22.workflows w,
             unnest(@ids, @seqs, @inputs) AS c (id, seq, input)
        WHERE w.id = @parent_id
          AND w.executor_id = @executor_id
          AND w.attempt = @attempt
          AND w.status = 'RUNNING'
        FOR SHARE OF w
        """;

    private const string NotifySql = "SELECT pg_notify(@channel, @queue)";

    public async Task StartAsync(
        ClaimedWorkflow parent, string name, string queue, int priority,
        Guid[] ids, int[] seqs, string[] inputs, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertSql)
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
                new("executor_id", parent.ExecutorId),
                new("attempt", parent.Attempt),
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NotifySql)
        {
            Parameters = { new("channel", Notifications.Enqueued), new("queue", queue) },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (batch.BatchCommands[0].RecordsAffected != ids.Length)
            throw new WorkflowFencedException(parent.Id, $"starting {ids.Length} child workflow(s) '{name}'");
    }
}
