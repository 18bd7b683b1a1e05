using System.Diagnostics;
using System.Text.Json;
using Exp22.Workflows.Execution;
using Exp22.Workflows.Storage;
using Exp22.Workflows.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Client;

/// <summary>Enqueues runs, reads their state and cancels them. Safe to use from any process.</summary>
public sealed class WorkflowClient(NpgsqlDataSource dataSource)
{
    private readonly EnqueueNotifier _notifier = new(dataSource);

    // DO UPDATE (not DO NOTHING) so that a concurrent duplicate waits for the first insert and still
    // gets its row back in the same statement; xmax = 0 tells a fresh insert from an existing run.
    private const string EnqueueSql = """
        INSERT INTO exp22.workflows (id, run_id, name, queue, priority, status, input, idempotency_key,
                                     trace_parent, trace_state, partition_key, not_before)
        VALUES (@id, @id, @name, @queue, @priority, 'ENQUEUED', @input, @idempotency_key,
                @trace_parent, @trace_state, @partition_key,
                nullif(greatest(@not_before, now() + @delay, '-infinity'), '-infinity'))
        ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
        RETURNING id, status, xmax = 0, created_at
        """;

    private const string ListSql = """
        SELECT w.id, w.name, w.status, w.queue, w.created_at, w.started_at, w.completed_at,
               (SELECT count(*) FROM exp22.steps s JOIN exp22.workflows d ON d.id = s.workflow_id
                WHERE d.run_id = w.id)::int
        FROM exp22.workflows w
        WHERE w.parent_id IS NULL
          AND (@status::text IS NULL OR w.status = @status)
        ORDER BY w.created_at DESC
        LIMIT @limit
        """;

    private const string TreeWorkflowsSql = """
        SELECT id, parent_id, child_seq, name, status, queue, executor_id, attempt, input::text, output::text,
               error, created_at, started_at, completed_at, recoveries, recoveries_without_progress, recovered_from, recovered_at
        FROM exp22.workflows
        WHERE run_id = @run_id
        ORDER BY parent_id NULLS FIRST, child_seq
        """;

    private const string TreeStepsSql = """
        SELECT s.workflow_id, s.seq, s.name, s.output::text, s.error, s.executor_id, s.attempt, s.tries,
               s.started_at, s.completed_at
        FROM exp22.steps s
        JOIN exp22.workflows w ON w.id = s.workflow_id
        WHERE w.run_id = @run_id
        ORDER BY s.workflow_id, s.seq
        """;

    // Cancels the workflow and every descendant that has not finished, and tells executors running
    // any of them to stop. The root's prior status comes from the statement's snapshot.
    private const string CancelSql = """
        WITH RECURSIVE tree AS (
            SELECT id FROM exp22.workflows WHERE id = @id
            UNION ALL
            SELECT c.id FROM exp22.workflows c JOIN tree t ON c.parent_id = t.id),
        cancelled AS (
            UPDATE exp22.workflows w
            SET status = 'CANCELLED', completed_at = now(), waiting_for = NULL
            FROM tree
            WHERE w.id = tree.id AND w.status IN ('ENQUEUED', 'RUNNING')
            RETURNING w.id, w.executor_id),
        notified AS (
            SELECT pg_notify(@channel, id::text) FROM cancelled WHERE executor_id IS NOT NULL)
        SELECT EXISTS (SELECT 1 FROM exp22.workflows WHERE id = @id),
               EXISTS (SELECT 1 FROM cancelled WHERE id = @id),
               (SELECT count(*) FROM notified)
        """;

    public async Task<EnqueuedRun> EnqueueAsync(EnqueueRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.WorkflowName);
        ArgumentException.ThrowIfNullOrEmpty(request.Queue);
        // The run's executions continue this span's trace, whichever process runs them and whenever.
        using var activity = WorkflowTelemetry.Source.StartActivity($"enqueue {request.WorkflowName}", ActivityKind.Producer);
        activity?.SetTag(WorkflowTelemetry.WorkflowNameTag, request.WorkflowName);
        activity?.SetTag(WorkflowTelemetry.QueueTag, request.Queue);
        var traceContext = TraceContextColumns.OfCurrent();
        await using var command = dataSource.CreateCommand(EnqueueSql);
        command.Parameters.Add(new NpgsqlParameter("id", Guid.CreateVersion7()));
        command.Parameters.Add(new NpgsqlParameter("name", request.WorkflowName));
        command.Parameters.Add(new NpgsqlParameter("queue", request.Queue));
        command.Parameters.Add(new NpgsqlParameter("priority", request.Priority));
        command.Parameters.Add(new NpgsqlParameter("input", NpgsqlDbType.Jsonb) { Value = request.InputJson });
        command.Parameters.Add(new NpgsqlParameter("idempotency_key", NpgsqlDbType.Text)
            { Value = (object?)request.IdempotencyKey ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("trace_parent", NpgsqlDbType.Text) { Value = traceContext.TraceParentValue });
        command.Parameters.Add(new NpgsqlParameter("trace_state", NpgsqlDbType.Text) { Value = traceContext.TraceStateValue });
        command.Parameters.Add(new NpgsqlParameter("partition_key", NpgsqlDbType.Text)
            { Value = (object?)request.PartitionKey ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("not_before", NpgsqlDbType.TimestampTz)
            { Value = (object?)request.NotBefore?.ToUniversalTime() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("delay", NpgsqlDbType.Interval) { Value = (object?)request.Delay ?? DBNull.Value });

        EnqueuedRun run;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            run = new EnqueuedRun(reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2),
                reader.GetFieldValue<DateTimeOffset>(3));
        }

        activity?.SetTag(WorkflowTelemetry.RunIdTag, run.RunId.ToString());
        if (run.Created)
        {
            _notifier.Notify(request.Queue);
            WorkflowTelemetry.Enqueued.Add(1, WorkflowTelemetry.WorkflowTags(request.WorkflowName, request.Queue));
        }

        return run;
    }

    public Task<EnqueuedRun> EnqueueAsync<TWorkflow, TInput, TOutput>(
        TInput input, string queue = WorkflowQueues.Default, int priority = 0, string? idempotencyKey = null,
        CancellationToken cancellationToken = default, string? partitionKey = null)
        where TWorkflow : Workflow<TInput, TOutput> =>
        EnqueueAsync(
            new EnqueueRequest(WorkflowNames.Of<TWorkflow>(), WorkflowJson.Serialize(input), queue, priority, idempotencyKey,
                partitionKey),
            cancellationToken);

    public async Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ListSql);
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = (object?)query.Status ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("limit", query.Limit));
        var runs = new List<RunSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new RunSummary(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), NullableTime(reader, 5), NullableTime(reader, 6),
                reader.GetInt32(7)));
        }

        return runs;
    }

    /// <returns>The run's tree from its root, or null when no run has this id.</returns>
    public async Task<WorkflowNode?> GetRunAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(TreeWorkflowsSql) { Parameters = { new("run_id", runId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(TreeStepsSql) { Parameters = { new("run_id", runId) } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

        var rows = new List<WorkflowRow>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(WorkflowRow.Read(reader));
        if (rows.Count == 0)
            return null;

        await reader.NextResultAsync(cancellationToken);
        var steps = new Dictionary<Guid, List<StepNode>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var workflowId = reader.GetGuid(0);
            var error = reader.IsDBNull(4) ? null : reader.GetString(4);
            if (!steps.TryGetValue(workflowId, out var list))
                steps[workflowId] = list = [];
            list.Add(new StepNode(
                reader.GetInt32(1), reader.GetString(2),
                error is null ? WorkflowStatus.Success : WorkflowStatus.Error,
                reader.GetString(5), reader.GetInt32(6), reader.GetInt32(7),
                reader.IsDBNull(3) ? null : ParseJson(reader.GetString(3)), error,
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9)));
        }

        var childrenOf = rows.Where(r => r.ParentId is not null).ToLookup(r => r.ParentId!.Value);
        WorkflowNode Build(WorkflowRow row) => row.ToNode(
            steps.GetValueOrDefault(row.Id) ?? [],
            [.. childrenOf[row.Id].Select(Build)]);
        return Build(rows.Single(r => r.ParentId is null));
    }

    public async Task<CancelOutcome> CancelAsync(Guid workflowId, CancellationToken cancellationToken) =>
        await DeadlockRetry.RunAsync(async ct =>
        {
            await using var command = dataSource.CreateCommand(CancelSql);
            command.Parameters.Add(new NpgsqlParameter("id", workflowId));
            command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Cancelled));
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetBoolean(0), reader.GetBoolean(1)) switch
            {
                (false, _) => CancelOutcome.NotFound,
                (true, true) => CancelOutcome.Cancelled,
                (true, false) => CancelOutcome.AlreadyFinished,
            };
        }, cancellationToken);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static JsonElement ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private sealed record WorkflowRow(
        Guid Id, Guid? ParentId, int? ChildSeq, string Name, string Status, string Queue, string? ExecutorId,
        int Attempt, string Input, string? Output, string? Error,
        DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
        int Recoveries, int RecoveriesWithoutProgress, string? RecoveredFrom, DateTimeOffset? RecoveredAt)
    {
        public static WorkflowRow Read(NpgsqlDataReader r) => new(
            r.GetGuid(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.IsDBNull(2) ? null : r.GetInt32(2),
            r.GetString(3), r.GetString(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6),
            r.GetInt32(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10),
            r.GetFieldValue<DateTimeOffset>(11), NullableTime(r, 12), NullableTime(r, 13),
            r.GetInt32(14), r.GetInt32(15), r.IsDBNull(16) ? null : r.GetString(16), NullableTime(r, 17));

        public WorkflowNode ToNode(IReadOnlyList<StepNode> steps, IReadOnlyList<WorkflowNode> children) => new(
            Id, ParentId, ChildSeq, Name, Status, Queue, ExecutorId, Attempt, ParseJson(Input),
            Output is null ? null : ParseJson(Output), Error, CreatedAt, StartedAt, CompletedAt,
            Recoveries, RecoveriesWithoutProgress, RecoveredFrom, RecoveredAt, steps, children);
    }
}
