using Exp22.Workflows.Execution;
using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Schedules;

/// <summary>
/// Fires the schedules that are due. Every executor ticks; a due schedule's row is locked with SKIP LOCKED
/// for the transaction that enqueues its tick's run and moves next_fire_at on, so one executor fires each
/// tick, and the run's idempotency key (schedule name + tick time) makes a second enqueue of the same tick
/// a no-op whatever happens in between (a schedule deleted and created again, a clock behind). A tick's
/// run gets the latest application version, as an enqueue without one does.
/// </summary>
internal sealed class ScheduleTicker(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>The most missed ticks one schedule backfills in one pass; the rest follow on the next passes.</summary>
    internal const int MaxBackfill = 1000;

    private const string DueSql = $$"""
        SELECT name, cron, time_zone, workflow_name, input::text, queue, backfill, next_fire_at
        FROM {{Sql.Schema}}.schedules
        WHERE NOT paused AND next_fire_at <= @now
        ORDER BY next_fire_at
        LIMIT 100
        FOR UPDATE SKIP LOCKED
        """;

    private const string FireSql = $$"""
        WITH fired AS (
            INSERT INTO {{Sql.Schema}}.workflows (id, run_id, name, queue, status, input, idempotency_key, application_version)
            SELECT t.id, t.id, @workflow_name, @queue, {{Sql.Enqueued}}, @input, 'schedule:' || @name || ':' || t.key,
                   {{LatestApplicationVersionSql.Latest}}
            FROM unnest(@ids, @keys) AS t (id, key)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id)
        UPDATE {{Sql.Schema}}.schedules
        SET next_fire_at = @next_fire_at, last_fired_at = @last_fired_at
        WHERE name = @name
        RETURNING (SELECT count(*) FROM fired)::int,
                  (SELECT pg_notify(@channel, @queue) WHERE EXISTS (SELECT 1 FROM fired))
        """;

    /// <returns>How many runs this pass enqueued.</returns>
    public async Task<int> TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionDisposal = transaction.ConfigureAwait(false);

        var due = new List<(string Name, CronSchedule Cron, string Workflow, string Input, string Queue, bool Backfill, DateTimeOffset Next)>();
        var select = new NpgsqlCommand(DueSql, connection, transaction);
        await using (select.ConfigureAwait(false))
        {
            select.Parameters.Add(new NpgsqlParameter("now", now));
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                due.Add((reader.GetString(0), CronSchedule.Parse(reader.GetString(1), reader.GetString(2)), reader.GetString(3),
                    reader.GetString(4), reader.GetString(5), reader.GetBoolean(6), reader.GetFieldValue<DateTimeOffset>(7)));
            }
        }

        var fired = 0;
        foreach (var schedule in due)
        {
            var ticks = schedule.Cron.Between(schedule.Next, now);
            // Without backfill, the ticks missed while nobody ticked collapse into the latest one.
            var toFire = schedule.Backfill ? ticks.Take(MaxBackfill).ToList() : ticks.TakeLast(1).ToList();
            if (toFire.Count == 0)
                toFire = [schedule.Next];
            var resumeAfter = schedule.Backfill && toFire.Count == MaxBackfill ? toFire[^1] : now;

            var fire = new NpgsqlCommand(FireSql, connection, transaction);
            await using var fireDisposal = fire.ConfigureAwait(false);
            fire.Parameters.Add(new NpgsqlParameter("name", schedule.Name));
            fire.Parameters.Add(new NpgsqlParameter("workflow_name", schedule.Workflow));
            fire.Parameters.Add(new NpgsqlParameter("queue", schedule.Queue));
            fire.Parameters.Add(new NpgsqlParameter("input", NpgsqlDbType.Jsonb) { Value = schedule.Input });
            fire.Parameters.Add(new NpgsqlParameter("ids", toFire.Select(_ => Guid.CreateVersion7()).ToArray()));
            fire.Parameters.Add(new NpgsqlParameter("keys", toFire.Select(t => t.UtcDateTime.ToString("O")).ToArray()));
            fire.Parameters.Add(new NpgsqlParameter("next_fire_at", NpgsqlDbType.TimestampTz)
                { Value = (object?)schedule.Cron.NextAfter(resumeAfter) ?? DBNull.Value });
            fire.Parameters.Add(new NpgsqlParameter("last_fired_at", toFire[^1]));
            fire.Parameters.Add(new NpgsqlParameter("channel", Notifications.Enqueued));
            var reader = await fire.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                fired += reader.GetInt32(0);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return fired;
    }
}
