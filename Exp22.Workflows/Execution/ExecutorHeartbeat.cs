using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Proves this executor alive and, in the same round trip, re-enqueues the workflows of executors
/// that stopped proving it and cancels the runs whose deadline passed (<see cref="DeadlineSweep"/>). Liveness is judged on the database clock, so executors' clocks may differ.
/// Each beat also rewrites the executor's row (state, drain, workflows in flight) for monitoring, and
/// adopts unpinned workflows into its application version. It recovers only workflows of its own version.
/// </summary>
internal sealed class ExecutorHeartbeat(NpgsqlDataSource dataSource)
{
    /// <summary>How many in-flight workflows a beat lists; the row keeps the full count beside them.</summary>
    public const int InFlightShown = 100;

    /// <summary>An executor gone (left, or silent and holding nothing) this long is removed from the table.</summary>
    public static readonly TimeSpan ForgetGoneAfter = TimeSpan.FromHours(1);

    // The drain's start keeps its first value for the rest of the drain; any other state clears it. A
    // beat that arrives after this process left (a slow fire-and-forget one) does not revive the row.
    private const string BeatSql = $$"""
        INSERT INTO {{Sql.Schema}}.executors AS e (id, application_version, state, concurrency, queues, heartbeat_timeout,
                                          drain_started_at, drain_deadline, in_flight, in_flight_count)
        VALUES (@executor_id, @application_version, @state, @concurrency, @queues, @heartbeat_timeout,
                now() - @drain_started_ago, now() - @drain_started_ago + @completion_timeout, @in_flight, @in_flight_count)
        ON CONFLICT (id) DO UPDATE
        SET heartbeat_at = now(),
            beating_since = CASE WHEN @starting OR @after_failed_beat OR e.state = {{Sql.ExecutorStopped}}
                                      OR e.heartbeat_at <= now() - @heartbeat_timeout
                                 THEN now() ELSE e.beating_since END,
            started_at = CASE WHEN @starting THEN now() ELSE e.started_at END,
            stopped_at = NULL,
            state = excluded.state,
            application_version = excluded.application_version,
            concurrency = excluded.concurrency,
            queues = excluded.queues,
            heartbeat_timeout = excluded.heartbeat_timeout,
            drain_started_at = CASE WHEN @drain_started_ago IS NOT NULL
                                    THEN coalesce(e.drain_started_at, excluded.drain_started_at) END,
            drain_deadline = CASE WHEN @drain_started_ago IS NOT NULL
                                  THEN coalesce(e.drain_deadline, excluded.drain_deadline) END,
            in_flight = excluded.in_flight,
            in_flight_count = excluded.in_flight_count
        WHERE @starting OR e.state <> {{Sql.ExecutorStopped}}
        """;

    // Each recovered workflow counts one crash recovery (its executor died holding it). A stopped
    // executor's row is never a sign of life, whatever its last heartbeat. SKIP LOCKED: a row locked by a
    // transaction of a process that hangs (stopped, not dead) would otherwise block this heartbeat until
    // the hung process is killed, and the live executor would look dead in turn.
    // Only an executor that has itself beaten without a break for a whole timeout may judge another
    // silent: after an outage of the database every row is stale, and a recovery statement queued during
    // it (even by a process that has since left) would otherwise take live executors' work. A break is a
    // beat later than the timeout after the previous one, or one that follows beats the executor saw fail
    // (an outage shorter than the timeout still leaves the others a beat behind). A stopped row
    // is the executor's own word, not an inference from silence, so its work is taken at once. The batch
    // runs this before the beat, so it reads this executor's row as the previous beat left it. Only this
    // executor's version: another version's dead work stays with its dead executor, shown as stranded,
    // until an executor of that version recovers it.
    private const string RecoverSql = $$"""
        WITH abandoned AS (
            SELECT w.id, w.executor_id AS silent_executor, {{CrashRecoverySql.ProgressColumn}}
            FROM {{Sql.Schema}}.workflows w
            WHERE w.status = {{Sql.Running}}
              AND w.executor_id IS NOT NULL
              AND w.executor_id <> @executor_id
              AND w.application_version = @application_version
              AND (EXISTS (
                       SELECT 1 FROM {{Sql.Schema}}.executors e
                       WHERE e.id = w.executor_id AND e.state = {{Sql.ExecutorStopped}})
                   OR EXISTS (
                       SELECT 1 FROM {{Sql.Schema}}.executors me
                       WHERE me.id = @executor_id AND me.state <> {{Sql.ExecutorStopped}} AND NOT @after_failed_beat
                         AND me.heartbeat_at > now() - @heartbeat_timeout
                         AND me.beating_since <= now() - @heartbeat_timeout))
              AND NOT EXISTS (
                  SELECT 1 FROM {{Sql.Schema}}.executors e
                  WHERE e.id = w.executor_id AND e.state <> {{Sql.ExecutorStopped}} AND e.heartbeat_at > now() - @heartbeat_timeout)
            FOR UPDATE OF w SKIP LOCKED),
        recovered AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET {{CrashRecoverySql.SetRecovered}}
            FROM abandoned a
            WHERE w.id = a.id
            RETURNING w.id, w.attempt, w.queue, a.silent_executor),
        recorded AS (
            INSERT INTO {{Sql.Schema}}.workflow_interruptions (workflow_id, attempt, executor_id, reason)
            SELECT id, attempt, silent_executor, @reason FROM recovered
            ON CONFLICT DO NOTHING),
        per_queue AS (
            SELECT queue, count(*) AS workflows FROM recovered GROUP BY queue)
        SELECT coalesce(sum(workflows), 0)::int, count(pg_notify(@channel, queue))::int FROM per_queue
        """;

    // Unpinned workflows (enqueued while no executor had ever registered, or unfinished at the upgrade
    // that brought versions) become this executor's version, a batch per beat; what it adopts enqueued,
    // its claims take next. SKIP LOCKED: an adoption never waits for a workflow's writes.
    private const string AdoptSql = $$"""
        WITH unpinned AS (
            SELECT id
            FROM {{Sql.Schema}}.workflows
            WHERE application_version IS NULL AND status IN ({{Sql.Enqueued}}, {{Sql.Running}})
            LIMIT @adopt_batch
            FOR UPDATE SKIP LOCKED),
        adopted AS (
            UPDATE {{Sql.Schema}}.workflows w
            SET application_version = @application_version
            FROM unpinned u
            WHERE w.id = u.id
            RETURNING w.queue, w.status)
        SELECT count(pg_notify(@channel, queue)) FROM (SELECT DISTINCT queue FROM adopted WHERE status = {{Sql.Enqueued}}) q
        """;

    /// <summary>How many unpinned workflows one beat adopts, so that a large upgrade backlog never makes a beat slow.</summary>
    internal const int AdoptBatch = 5000;

    // The row stays, marked stopped, so that monitoring shows how the drain ended; executors gone for
    // long are forgotten here, once nothing of theirs is left to recover.
    private const string LeaveSql = $$"""
        UPDATE {{Sql.Schema}}.executors
        SET state = {{Sql.ExecutorStopped}}, stopped_at = now(), heartbeat_at = now(), in_flight = '[]', in_flight_count = 0
        WHERE id = @executor_id;

        DELETE FROM {{Sql.Schema}}.executors e
        WHERE e.id <> @executor_id
          AND e.heartbeat_at < now() - @forget_after
          AND NOT EXISTS (SELECT 1 FROM {{Sql.Schema}}.workflows w WHERE w.status = {{Sql.Running}} AND w.executor_id = e.id)
        """;

    /// <returns>How many workflows of dead executors were put back on the queue.</returns>
    public async Task<int> BeatAsync(ExecutorBeat beat, CancellationToken cancellationToken)
    {
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        // The recovery comes first so that its count is the batch's scalar.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(RecoverSql)
        {
            Parameters =
            {
                new("executor_id", beat.ExecutorId),
                new("application_version", beat.ApplicationVersion),
                new("heartbeat_timeout", beat.HeartbeatTimeout),
                new NpgsqlParameter<bool>("after_failed_beat", beat.AfterFailedBeat),
                new("reason", InterruptionReasons.Recovery),
                new("channel", Notifications.Enqueued),
            },
        });

        batch.BatchCommands.Add(new NpgsqlBatchCommand(BeatSql)
        {
            Parameters =
            {
                new("executor_id", beat.ExecutorId),
                new("application_version", beat.ApplicationVersion),
                new("state", beat.State),
                new("concurrency", beat.Concurrency),
                new("queues", beat.Queues),
                new("heartbeat_timeout", beat.HeartbeatTimeout),
                new("completion_timeout", beat.CompletionTimeout),
                new("drain_started_ago", NpgsqlDbType.Interval) { Value = (object?)beat.DrainStartedAgo ?? DBNull.Value },
                new("in_flight", NpgsqlDbType.Jsonb) { Value = beat.InFlightJson },
                new("in_flight_count", beat.InFlightCount),
                new("starting", beat.Starting),
                new NpgsqlParameter<bool>("after_failed_beat", beat.AfterFailedBeat),
            },
        });
        batch.BatchCommands.Add(DeadlineSweep.Command());
        // A draining executor would not run what it adopted.
        if (beat.State == ExecutorStates.Running)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(AdoptSql)
            {
                Parameters =
                {
                    new("application_version", beat.ApplicationVersion),
                    new("adopt_batch", AdoptBatch),
                    new("channel", Notifications.Enqueued),
                },
            });
        }

        return (int)(await batch.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task LeaveAsync(string executorId, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(LeaveSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("executor_id", executorId));
        command.Parameters.Add(new NpgsqlParameter("forget_after", ForgetGoneAfter));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
