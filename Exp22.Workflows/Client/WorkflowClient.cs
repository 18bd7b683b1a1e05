using System.Diagnostics;
using System.Text.Json;
using Exp22.Workflows.Execution;
using Exp22.Workflows.Storage;
using Exp22.Workflows.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Client;

/// <summary>
/// Enqueues runs, reads their state, cancels, resumes and forks them, and exchanges messages and events
/// with running workflows. Safe to use from any process.
/// </summary>
public sealed class WorkflowClient(NpgsqlDataSource dataSource, ILoggerFactory loggerFactory)
{
    private readonly EnqueueNotifier _notifier = new(dataSource);
    private readonly WorkflowManagement _management = new(dataSource);
    private readonly EventWakeups _eventWakeups = new(
        new NotificationListener(dataSource, TimeProvider.System, loggerFactory.CreateLogger<NotificationListener>()));

    public WorkflowClient(NpgsqlDataSource dataSource)
        : this(dataSource, NullLoggerFactory.Instance)
    {
    }

    // DO UPDATE (not DO NOTHING) so that a concurrent duplicate waits for the first insert and still
    // gets its row back in the same statement; xmax = 0 tells a fresh insert from an existing run.
    // Without a version from the caller, the run must be run by the latest one (LatestApplicationVersionSql).
    private const string EnqueueSql = $$"""
        INSERT INTO {{Sql.Schema}}.workflows (id, run_id, name, queue, priority, status, input, idempotency_key,
                                     trace_parent, trace_state, deadline, partition_key, not_before, application_version)
        VALUES (@id, @id, @name, @queue, @priority, {{Sql.Enqueued}}, @input, @idempotency_key,
                @trace_parent, @trace_state, least(@deadline, now() + @timeout), @partition_key,
                nullif(greatest(@not_before, now() + @delay, '-infinity'), '-infinity'),
                coalesce(@application_version, {{LatestApplicationVersionSql.Latest}}))
        ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
        RETURNING id, status, xmax = 0, created_at, application_version
        """;

    private const string ListSql = $$"""
        SELECT w.id, w.name, w.status, w.queue, w.created_at, w.started_at, w.completed_at,
               (SELECT count(*) FROM {{Sql.Schema}}.steps s JOIN {{Sql.Schema}}.workflows d ON d.id = s.workflow_id
                WHERE d.run_id = w.id)::int
        FROM {{Sql.Schema}}.workflows w
        WHERE w.parent_id IS NULL
          AND (@status::text IS NULL OR w.status = @status)
        ORDER BY w.created_at DESC
        LIMIT @limit
        """;

    private const string TreeWorkflowsSql = $$"""
        SELECT id, parent_id, child_seq, name, status, queue, executor_id, attempt, input::text, output::text,
               error, created_at, started_at, completed_at, recoveries, recoveries_without_progress, recovered_from, recovered_at
        FROM {{Sql.Schema}}.workflows
        WHERE run_id = @run_id
        ORDER BY parent_id NULLS FIRST, child_seq
        """;

    private const string TreeStepsSql = $$"""
        SELECT s.workflow_id, s.seq, s.name, s.output::text, s.error, s.executor_id, s.attempt, s.tries,
               s.started_at, s.completed_at
        FROM {{Sql.Schema}}.steps s
        JOIN {{Sql.Schema}}.workflows w ON w.id = s.workflow_id
        WHERE w.run_id = @run_id
        ORDER BY s.workflow_id, s.seq
        """;

    // Cancels the workflow and every descendant that has not finished, and tells executors running
    // any of them to stop. The root's prior status comes from the statement's snapshot.
    private const string CancelSql = $$"""
        WITH RECURSIVE tree AS (
            SELECT id FROM {{Sql.Schema}}.workflows WHERE id = @id
            UNION ALL
            SELECT c.id FROM {{Sql.Schema}}.workflows c JOIN tree t ON c.parent_id = t.id),
        cancelled AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET status = {{Sql.Cancelled}}, completed_at = now(), waiting_for = NULL
            FROM tree
            WHERE w.id = tree.id AND w.status IN ({{Sql.Enqueued}}, {{Sql.Running}})
            RETURNING w.id, w.executor_id),
        notified AS (
            SELECT pg_notify(@channel, id::text) FROM cancelled WHERE executor_id IS NOT NULL)
        SELECT EXISTS (SELECT 1 FROM {{Sql.Schema}}.workflows WHERE id = @id),
               EXISTS (SELECT 1 FROM cancelled WHERE id = @id),
               (SELECT count(*) FROM notified)
        """;

    // Taken as its own statement so that the next one's snapshot is later than any park of the receiver
    // that committed first (see WorkflowOutcomes.ParkUntilAsync).
    private const string LockTargetSql = $"SELECT 1 FROM {Sql.Schema}.workflows WHERE id = @workflow_id FOR NO KEY UPDATE";

    // A receiver parked on this topic becomes claimable at once; a resend with the same key is dropped,
    // delivered or not. A finished workflow takes no message (none would ever read it): the status is
    // judged under the row lock taken before, so a finish that committed first is seen, and one that
    // comes later waits for this send.
    private const string SendSql = $$"""
        WITH target AS (
            SELECT id, status FROM {{Sql.Schema}}.workflows WHERE id = @workflow_id),
        sent AS (
            INSERT INTO {{Sql.Schema}}.messages (workflow_id, topic, payload, idempotency_key)
            SELECT id, @topic, @payload, @idempotency_key FROM target WHERE status IN ({{Sql.Enqueued}}, {{Sql.Running}})
            ON CONFLICT (workflow_id, idempotency_key) DO NOTHING
            RETURNING workflow_id),
        woken AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET not_before = NULL, waiting_topic = NULL
            FROM sent
            WHERE w.id = sent.workflow_id
              AND w.status = {{Sql.Enqueued}}
              AND w.waiting_topic = @topic
            RETURNING w.queue)
        SELECT (SELECT status FROM target),
               EXISTS (SELECT 1 FROM sent),
               EXISTS (SELECT 1 FROM {{Sql.Schema}}.messages m WHERE m.workflow_id = @workflow_id AND m.idempotency_key = @idempotency_key),
               (SELECT count(pg_notify(@channel, queue)) FROM woken)
        """;

    private const string GetEventSql = $$"""
        SELECT value::text, updated_at FROM {{Sql.Schema}}.workflow_events WHERE workflow_id = @workflow_id AND key = @key
        """;

    // Readers wake by notification; this re-read only bounds the delay of a notification that was lost.
    private static readonly TimeSpan EventFallbackInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Sends <paramref name="message"/> to workflow <paramref name="workflowId"/> on <paramref name="topic"/>;
    /// its next <see cref="WorkflowContext.ReceiveAsync{T}"/> on that topic takes it, exactly once. With an
    /// <paramref name="idempotencyKey"/>, a resend with the same key is not delivered again (and answers
    /// <see cref="SendOutcome.Duplicate"/> even after the workflow finished).
    /// </summary>
    /// <exception cref="WorkflowFinishedException">The workflow has finished: nothing would ever receive the message, so it is not stored.</exception>
    public async Task<SendOutcome> SendAsync<T>(
        Guid workflowId, string topic, T message, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var payload = WorkflowJson.Serialize(message);
        return await DeadlockRetry.RunAsync(async ct =>
        {
            var batch = dataSource.CreateBatch();
            await using var batchDisposal = batch.ConfigureAwait(false);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(LockTargetSql) { Parameters = { new("workflow_id", workflowId) } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SendSql)
            {
                Parameters =
                {
                    new("workflow_id", workflowId),
                    new("topic", topic),
                    new("payload", NpgsqlDbType.Jsonb) { Value = payload },
                    new("idempotency_key", NpgsqlDbType.Text) { Value = (object?)idempotencyKey ?? DBNull.Value },
                    new("channel", Notifications.Enqueued),
                },
            });
            var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            var status = reader.GetStringOrNull(0);
            return (status, Sent: reader.GetBoolean(1), KeySentBefore: reader.GetBoolean(2)) switch
            {
                (null, _, _) => SendOutcome.NotFound,
                (_, true, _) => SendOutcome.Sent,
                (_, _, true) => SendOutcome.Duplicate,
                _ when WorkflowStatus.IsTerminal(status) => throw new WorkflowFinishedException(workflowId, status),
                // Not finished, yet not stored: a concurrent send with the same key committed first.
                _ => SendOutcome.Duplicate,
            };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The latest value the workflow published for event <paramref name="key"/>, waiting up to
    /// <paramref name="timeout"/> for a first one; null when none came in time.
    /// </summary>
    public async Task<WorkflowEvent<T>?> GetEventAsync<T>(
        Guid workflowId, string key, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (timeout <= TimeSpan.Zero)
            return await ReadEventAsync<T>(workflowId, key, cancellationToken).ConfigureAwait(false);

        var deadline = DateTimeOffset.UtcNow + timeout;
        using var waiter = _eventWakeups.Subscribe(workflowId);
        while (true)
        {
            waiter.Arm();
            if (await ReadEventAsync<T>(workflowId, key, cancellationToken).ConfigureAwait(false) is { } found)
                return found;

            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
                return null;
            await waiter.WaitAsync(left < EventFallbackInterval ? left : EventFallbackInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<WorkflowEvent<T>?> ReadEventAsync<T>(Guid workflowId, string key, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(GetEventSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("workflow_id", workflowId));
        command.Parameters.Add(new NpgsqlParameter("key", key));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new WorkflowEvent<T>(key, WorkflowJson.Deserialize<T>(reader.GetString(0)), reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    public async Task<EnqueuedRun> EnqueueAsync(EnqueueRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.WorkflowName);
        ArgumentException.ThrowIfNullOrEmpty(request.Queue);
        if (request.Timeout is { } timeout)
            ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero, nameof(request.Timeout));
        if (request.ApplicationVersion is not null && !Workflows.ApplicationVersion.IsValid(request.ApplicationVersion))
            throw new ArgumentException($"{Workflows.ApplicationVersion.Rule(nameof(request.ApplicationVersion))}.", nameof(request));
        // The run's executions continue this span's trace, whichever process runs them and whenever.
        using var activity = WorkflowTelemetry.Source.StartActivity($"enqueue {request.WorkflowName}", ActivityKind.Producer);
        activity?.SetTag(WorkflowTelemetry.WorkflowNameTag, request.WorkflowName);
        activity?.SetTag(WorkflowTelemetry.QueueTag, request.Queue);
        var traceContext = TraceContextColumns.OfCurrent();
        var command = dataSource.CreateCommand(EnqueueSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("id", Guid.CreateVersion7()));
        command.Parameters.Add(new NpgsqlParameter("name", request.WorkflowName));
        command.Parameters.Add(new NpgsqlParameter("queue", request.Queue));
        command.Parameters.Add(new NpgsqlParameter("priority", request.Priority));
        command.Parameters.Add(new NpgsqlParameter("input", NpgsqlDbType.Jsonb) { Value = request.InputJson });
        command.Parameters.Add(new NpgsqlParameter("idempotency_key", NpgsqlDbType.Text)
            { Value = (object?)request.IdempotencyKey ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("trace_parent", NpgsqlDbType.Text) { Value = traceContext.TraceParentValue });
        command.Parameters.Add(new NpgsqlParameter("trace_state", NpgsqlDbType.Text) { Value = traceContext.TraceStateValue });
        command.Parameters.Add(new NpgsqlParameter("deadline", NpgsqlDbType.TimestampTz) { Value = (object?)request.Deadline ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("timeout", NpgsqlDbType.Interval) { Value = (object?)request.Timeout ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("partition_key", NpgsqlDbType.Text)
            { Value = (object?)request.PartitionKey ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("not_before", NpgsqlDbType.TimestampTz)
            { Value = (object?)request.NotBefore?.ToUniversalTime() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("delay", NpgsqlDbType.Interval) { Value = (object?)request.Delay ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("application_version", NpgsqlDbType.Text)
            { Value = (object?)request.ApplicationVersion ?? DBNull.Value });

        EnqueuedRun run;
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            run = new EnqueuedRun(reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetStringOrNull(4));
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
        string? partitionKey = null, string? applicationVersion = null, CancellationToken cancellationToken = default)
        where TWorkflow : Workflow<TInput, TOutput> =>
        EnqueueAsync(
            new EnqueueRequest(WorkflowNames.Of<TWorkflow>(), WorkflowJson.Serialize(input), queue, priority, idempotencyKey,
                PartitionKey: partitionKey, ApplicationVersion: applicationVersion),
            cancellationToken);

    public async Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(ListSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = (object?)query.Status ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("limit", query.Limit));
        var runs = new List<RunSummary>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new RunSummary(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetValueOrNull<DateTimeOffset>(5), reader.GetValueOrNull<DateTimeOffset>(6),
                reader.GetInt32(7)));
        }

        return runs;
    }

    /// <returns>The run's tree from its root, or null when no run has this id.</returns>
    public async Task<WorkflowNode?> GetRunAsync(Guid runId, CancellationToken cancellationToken)
    {
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(TreeWorkflowsSql) { Parameters = { new("run_id", runId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(TreeStepsSql) { Parameters = { new("run_id", runId) } });
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);

        var rows = new List<WorkflowRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            rows.Add(WorkflowRow.Read(reader));
        if (rows.Count == 0)
            return null;

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var steps = new Dictionary<Guid, List<StepNode>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var workflowId = reader.GetGuid(0);
            var error = reader.GetStringOrNull(4);
            if (!steps.TryGetValue(workflowId, out var list))
                steps[workflowId] = list = [];
            list.Add(new StepNode(
                reader.GetInt32(1), reader.GetString(2),
                error is null ? WorkflowStatus.Success : WorkflowStatus.Error,
                reader.GetString(5), reader.GetInt32(6), reader.GetInt32(7),
                reader.GetStringOrNull(3) is { } output ? ParseJson(output) : null, error,
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
            var command = dataSource.CreateCommand(CancelSql);
            await using var commandDisposal = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter("id", workflowId));
            command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Cancelled));
            var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return (reader.GetBoolean(0), reader.GetBoolean(1)) switch
            {
                (false, _) => CancelOutcome.NotFound,
                (true, true) => CancelOutcome.Cancelled,
                (true, false) => CancelOutcome.AlreadyFinished,
            };
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="WorkflowManagement.ResumeAsync"/>
    public Task<ResumeOutcome> ResumeAsync(Guid workflowId, CancellationToken cancellationToken) =>
        _management.ResumeAsync(workflowId, null, cancellationToken);

    /// <inheritdoc cref="WorkflowManagement.ResumeAsync"/>
    public Task<ResumeOutcome> ResumeAsync(Guid workflowId, string? applicationVersion, CancellationToken cancellationToken) =>
        _management.ResumeAsync(workflowId, applicationVersion, cancellationToken);

    /// <inheritdoc cref="WorkflowManagement.ForkAsync"/>
    public Task<ForkedRun?> ForkAsync(Guid runId, int fromStep, CancellationToken cancellationToken) =>
        _management.ForkAsync(runId, fromStep, null, cancellationToken);

    /// <inheritdoc cref="WorkflowManagement.ForkAsync"/>
    public Task<ForkedRun?> ForkAsync(Guid runId, int fromStep, string? applicationVersion, CancellationToken cancellationToken) =>
        _management.ForkAsync(runId, fromStep, applicationVersion, cancellationToken);

    /// <inheritdoc cref="WorkflowManagement.ListStepsAsync"/>
    public Task<IReadOnlyList<StepNode>?> ListStepsAsync(Guid workflowId, CancellationToken cancellationToken) =>
        _management.ListStepsAsync(workflowId, cancellationToken);

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
            r.GetGuid(0), r.GetValueOrNull<Guid>(1), r.GetValueOrNull<int>(2),
            r.GetString(3), r.GetString(4), r.GetString(5), r.GetStringOrNull(6),
            r.GetInt32(7), r.GetString(8), r.GetStringOrNull(9), r.GetStringOrNull(10),
            r.GetFieldValue<DateTimeOffset>(11), r.GetValueOrNull<DateTimeOffset>(12), r.GetValueOrNull<DateTimeOffset>(13),
            r.GetInt32(14), r.GetInt32(15), r.GetStringOrNull(16), r.GetValueOrNull<DateTimeOffset>(17));

        public WorkflowNode ToNode(IReadOnlyList<StepNode> steps, IReadOnlyList<WorkflowNode> children) => new(
            Id, ParentId, ChildSeq, Name, Status, Queue, ExecutorId, Attempt, ParseJson(Input),
            Output is null ? null : ParseJson(Output), Error, CreatedAt, StartedAt, CompletedAt,
            Recoveries, RecoveriesWithoutProgress, RecoveredFrom, RecoveredAt, steps, children);
    }
}
