using System.Diagnostics;
using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Monitoring;

/// <summary>A run's every workflow, step checkpoint and interrupted attempt, assembled into its tree.</summary>
internal sealed class RunTreeReader(NpgsqlDataSource dataSource)
{
    private const string WorkflowsSql = $$"""
        SELECT id, parent_id, child_seq, name, status, queue, executor_id, attempt, application_version,
               input::text, output::text, error, error_detail, waiting_for IS NOT NULL,
               created_at, started_at, claimed_at, completed_at, trace_parent
        FROM {{Sql.Schema}}.workflows
        WHERE run_id = @run_id
        ORDER BY parent_id NULLS FIRST, child_seq
        """;

    private const string StepsSql = $$"""
        SELECT s.workflow_id, s.seq, s.name, s.output::text, s.error, s.error_detail, s.executor_id, s.attempt, s.tries,
               s.started_at, s.completed_at
        FROM {{Sql.Schema}}.steps s
        JOIN {{Sql.Schema}}.workflows w ON w.id = s.workflow_id
        WHERE w.run_id = @run_id
        ORDER BY s.workflow_id, s.seq
        """;

    private const string InterruptionsSql = $$"""
        SELECT i.workflow_id, i.attempt, i.executor_id, i.reason, i.at
        FROM {{Sql.Schema}}.workflow_interruptions i
        JOIN {{Sql.Schema}}.workflows w ON w.id = i.workflow_id
        WHERE w.run_id = @run_id
        ORDER BY i.workflow_id, i.attempt
        """;

    public async Task<RunTree?> ReadAsync(Guid runId, CancellationToken cancellationToken)
    {
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT now()"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(WorkflowsSql) { Parameters = { new("run_id", runId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(StepsSql) { Parameters = { new("run_id", runId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(InterruptionsSql) { Parameters = { new("run_id", runId) } });
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var now = reader.GetFieldValue<DateTimeOffset>(0);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<Row>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            rows.Add(Row.Read(reader));
        if (rows.Count == 0 || rows[0].ParentId is not null)
            return null;

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var steps = new Dictionary<Guid, List<StepView>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var workflowId = reader.GetGuid(0);
            if (!steps.TryGetValue(workflowId, out var list))
                steps[workflowId] = list = [];
            var error = reader.GetStringOrNull(4);
            list.Add(new StepView(
                list.Count + 1, reader.GetString(2), error is null ? WorkflowStatus.Success : WorkflowStatus.Error,
                reader.GetString(6), reader.GetInt32(7), reader.GetInt32(8),
                Columns.NullableJson(reader, 3), error, reader.GetStringOrNull(5),
                reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var interruptions = new Dictionary<Guid, List<Interruption>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var workflowId = reader.GetGuid(0);
            if (!interruptions.TryGetValue(workflowId, out var list))
                interruptions[workflowId] = list = [];
            list.Add(new Interruption(reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        var childrenOf = rows.Where(r => r.ParentId is not null).ToLookup(r => r.ParentId!.Value);
        WorkflowView Build(Row row, int? childIndex)
        {
            var ownSteps = steps.GetValueOrDefault(row.Id) ?? [];
            return row.ToView(
                childIndex, ownSteps, Handovers(row, ownSteps, interruptions.GetValueOrDefault(row.Id) ?? []),
                [.. childrenOf[row.Id].Select((child, i) => Build(child, i + 1))]);
        }

        return new RunTree(now, TraceIdOf(rows[0].TraceParent), Build(rows[0], null));
    }

    /// <summary>
    /// Each interrupted attempt, paired with the executor of the attempt after it: the one that recorded
    /// its own interruption, or that checkpointed a step in it, or that holds the workflow now.
    /// </summary>
    private static List<HandoverView> Handovers(Row row, List<StepView> steps, List<Interruption> interruptions) =>
        [.. interruptions.Select(i =>
        {
            var next = i.Attempt + 1;
            var to = interruptions.FirstOrDefault(later => later.Attempt == next)?.ExecutorId
                     ?? steps.FirstOrDefault(s => s.Attempt == next)?.ExecutorId
                     ?? (row.Attempt == next ? row.ExecutorId : null);
            return new HandoverView(next, i.Reason, i.ExecutorId, to, i.At);
        })];

    private static string? TraceIdOf(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context)
            ? context.TraceId.ToHexString()
            : null;

    private sealed record Interruption(int Attempt, string ExecutorId, string Reason, DateTimeOffset At);

    private sealed record Row(
        Guid Id, Guid? ParentId, string Name, string Status, string Queue, string? ExecutorId, int Attempt,
        string? ApplicationVersion, string Input, string? Output, string? Error, string? ErrorDetail, bool Waiting,
        DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? ClaimedAt, DateTimeOffset? CompletedAt,
        string? TraceParent)
    {
        public static Row Read(NpgsqlDataReader r) => new(
            r.GetGuid(0), r.GetValueOrNull<Guid>(1), r.GetString(3), r.GetString(4), r.GetString(5),
            r.GetStringOrNull(6), r.GetInt32(7), r.GetStringOrNull(8), r.GetString(9), r.GetStringOrNull(10),
            r.GetStringOrNull(11), r.GetStringOrNull(12), r.GetBoolean(13),
            r.GetFieldValue<DateTimeOffset>(14), r.GetValueOrNull<DateTimeOffset>(15), r.GetValueOrNull<DateTimeOffset>(16),
            r.GetValueOrNull<DateTimeOffset>(17), r.GetStringOrNull(18));

        public WorkflowView ToView(
            int? childIndex, IReadOnlyList<StepView> steps, IReadOnlyList<HandoverView> handovers,
            IReadOnlyList<WorkflowView> children) => new(
            Id, ParentId, childIndex, Name, Status, Queue, ExecutorId, Attempt, ApplicationVersion,
            Columns.Json(Input), Output is null ? null : Columns.Json(Output), Error, ErrorDetail, Waiting,
            CreatedAt, StartedAt, ClaimedAt, CompletedAt, steps, handovers, children);
    }
}
