using Exp22.Workflows.Execution;
using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Client;

/// <summary>
/// What an operator does to workflows after the fact (through <see cref="WorkflowClient"/>): resume one
/// that ended without succeeding, fork a run from one of its steps, list a workflow's checkpoints.
/// </summary>
internal sealed class WorkflowManagement(NpgsqlDataSource dataSource)
{
    // The workflow and its descendants that ended without succeeding go back to the queue, keeping their
    // checkpoints; each one's last checkpoint, if it is a failure, is removed so that the failed step runs
    // again. Cleared: the end, the parking, the recovery streak (a resumed workflow starts a new
    // streak) and the deadline (which already passed, if that is what cancelled it). executor_id NULL fences out any execution a cancel has not stopped yet.
    // Each keeps its application version (its checkpoints were written by that code) unless the operator
    // names another.
    private const string ResumeSql = $$"""
        WITH RECURSIVE tree AS (
            SELECT id FROM {{Sql.Schema}}.workflows WHERE id = @id
            UNION ALL
            SELECT c.id FROM {{Sql.Schema}}.workflows c JOIN tree t ON c.parent_id = t.id),
        resumed AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET status = {{Sql.Enqueued}}, executor_id = NULL, output = NULL, error = NULL, error_detail = NULL,
                completed_at = NULL, waiting_for = NULL, not_before = NULL, waiting_topic = NULL,
                recoveries_without_progress = 0, deadline = NULL,
                application_version = coalesce(@application_version, w.application_version)
            FROM tree
            WHERE w.id = tree.id AND w.status IN ({{Sql.Cancelled}}, {{Sql.Error}}, {{Sql.MaxRecoveryExceeded}})
            RETURNING w.id, w.queue),
        failed_steps AS (
            DELETE FROM {{Sql.Schema}}.steps s
            USING resumed r
            WHERE s.workflow_id = r.id
              AND s.error IS NOT NULL
              AND s.seq = (SELECT max(seq) FROM {{Sql.Schema}}.steps l WHERE l.workflow_id = r.id)
            RETURNING s.workflow_id),
        notified AS (
            SELECT pg_notify(@channel, queue) FROM (SELECT DISTINCT queue FROM resumed) AS queues)
        SELECT EXISTS (SELECT 1 FROM {{Sql.Schema}}.workflows WHERE id = @id),
               EXISTS (SELECT 1 FROM resumed WHERE id = @id),
               (SELECT count(*) FROM failed_steps) + (SELECT count(*) FROM notified)
        """;

    // A new run of the same workflow and input whose history is the source's checkpoints before
    // @from_step: replay returns those, and the code runs for real from there. It starts at attempt 1, as
    // if claimed once already, because a first attempt skips loading history (it has none by construction).
    // A fork is new work: the latest application version runs it, unless the operator names one.
    private const string ForkSql = $$"""
        WITH source AS (
            SELECT name, queue, priority, input, trace_parent, trace_state
            FROM {{Sql.Schema}}.workflows
            WHERE id = @source_id AND parent_id IS NULL),
        forked AS (
            INSERT INTO {{Sql.Schema}}.workflows (id, run_id, name, queue, priority, status, input, attempt, trace_parent, trace_state,
                                                  application_version)
            SELECT @id, @id, name, queue, priority, {{Sql.Enqueued}}, input, 1, trace_parent, trace_state,
                   coalesce(@application_version, {{LatestApplicationVersionSql.Latest}})
            FROM source
            RETURNING id, queue, created_at),
        copied AS (
            INSERT INTO {{Sql.Schema}}.steps (workflow_id, seq, name, output, error, error_detail, executor_id, attempt, tries,
                                     started_at, completed_at)
            SELECT forked.id, s.seq, s.name, s.output, s.error, s.error_detail, s.executor_id, s.attempt, s.tries,
                   s.started_at, s.completed_at
            FROM {{Sql.Schema}}.steps s, forked
            WHERE s.workflow_id = @source_id AND s.seq < @from_step
            RETURNING 1)
        SELECT forked.created_at, (SELECT count(*) FROM copied)::int, (SELECT count(pg_notify(@channel, queue)) FROM forked)
        FROM forked
        """;

    private const string StepsSql = $$"""
        SELECT w.id IS NOT NULL, s.seq, s.name, s.output::text, s.error, s.executor_id, s.attempt, s.tries,
               s.started_at, s.completed_at
        FROM (SELECT id FROM {{Sql.Schema}}.workflows WHERE id = @id) w
        LEFT JOIN {{Sql.Schema}}.steps s ON s.workflow_id = w.id
        ORDER BY s.seq
        """;

    /// <summary>
    /// Continues a workflow that ended CANCELLED, ERROR or MAX_RECOVERY_EXCEEDED (with its descendants that
    /// did too) from its last checkpoint: checkpointed steps are not run again; a step that failed is.
    /// They keep their application version, or take <paramref name="applicationVersion"/> when given.
    /// </summary>
    public async Task<ResumeOutcome> ResumeAsync(Guid workflowId, string? applicationVersion, CancellationToken cancellationToken) =>
        await DeadlockRetry.RunAsync(async ct =>
        {
            var command = dataSource.CreateCommand(ResumeSql);
            await using var commandDisposal = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter("id", workflowId));
            command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Enqueued));
            command.Parameters.Add(VersionParameter(applicationVersion));
            var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return (reader.GetBoolean(0), reader.GetBoolean(1)) switch
            {
                (false, _) => ResumeOutcome.NotFound,
                (true, true) => ResumeOutcome.Resumed,
                (true, false) => ResumeOutcome.NotResumable,
            };
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Starts a new run of run <paramref name="runId"/>'s workflow with the same input, copying its
    /// checkpoints at positions before <paramref name="fromStep"/> (a step's <see cref="StepNode.Index"/>):
    /// those are replayed, and the workflow runs for real from that position on. The latest application
    /// version runs it, or <paramref name="applicationVersion"/> when given.
    /// </summary>
    /// <returns>The new run, or null when no run has this id.</returns>
    public async Task<ForkedRun?> ForkAsync(Guid runId, int fromStep, string? applicationVersion, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromStep);
        var id = Guid.CreateVersion7();
        var command = dataSource.CreateCommand(ForkSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("source_id", runId));
        command.Parameters.Add(new NpgsqlParameter("id", id));
        command.Parameters.Add(new NpgsqlParameter("from_step", fromStep));
        command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Enqueued));
        command.Parameters.Add(VersionParameter(applicationVersion));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            return null;
        return new ForkedRun(id, runId, reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(0));
    }

    private static NpgsqlParameter VersionParameter(string? applicationVersion)
    {
        if (applicationVersion is not null && !ApplicationVersion.IsValid(applicationVersion))
            throw new ArgumentException($"{ApplicationVersion.Rule(nameof(applicationVersion))}.", nameof(applicationVersion));
        return new NpgsqlParameter("application_version", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)applicationVersion ?? DBNull.Value };
    }

    /// <returns>The workflow's checkpoints in order, or null when no workflow has this id.</returns>
    public async Task<IReadOnlyList<StepNode>?> ListStepsAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(StepsSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("id", workflowId));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        var steps = new List<StepNode>();
        var found = false;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found = true;
            if (reader.IsDBNull(1))
                continue;
            var error = reader.GetStringOrNull(4);
            steps.Add(new StepNode(
                reader.GetInt32(1), reader.GetString(2),
                error is null ? WorkflowStatus.Success : WorkflowStatus.Error,
                reader.GetString(5), reader.GetInt32(6), reader.GetInt32(7),
                reader.GetStringOrNull(3) is { } output ? WorkflowJson.Deserialize<System.Text.Json.JsonElement>(output) : null, error,
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9)));
        }

        return found ? steps : null;
    }
}
