using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Schedules;

/// <summary>Creates, pauses, resumes, deletes and lists cron schedules, from any process and at run time.</summary>
public sealed class ScheduleClient(NpgsqlDataSource dataSource, TimeProvider time)
{
    // Saving an unchanged schedule again (every executor declares its configured ones at start) keeps
    // its next tick, so a restart neither skips nor repeats one; a new cron or zone starts from now.
    private const string SaveSql = $$"""
        INSERT INTO {{Sql.Schema}}.schedules AS s (name, cron, time_zone, workflow_name, input, queue, backfill, next_fire_at)
        VALUES (@name, @cron, @time_zone, @workflow_name, @input, @queue, @backfill, @next_fire_at)
        ON CONFLICT (name) DO UPDATE
        SET cron = excluded.cron,
            time_zone = excluded.time_zone,
            workflow_name = excluded.workflow_name,
            input = excluded.input,
            queue = excluded.queue,
            backfill = excluded.backfill,
            next_fire_at = CASE WHEN (s.cron, s.time_zone) IS DISTINCT FROM (excluded.cron, excluded.time_zone)
                                THEN excluded.next_fire_at ELSE s.next_fire_at END
        """;

    private const string PauseSql = $"UPDATE {Sql.Schema}.schedules SET paused = true WHERE name = @name";

    private const string ReadCronSql = $"SELECT cron, time_zone FROM {Sql.Schema}.schedules WHERE name = @name";

    // A resumed schedule goes on from now: the ticks while it was paused are not owed, backfill or not.
    private const string ResumeSql = $$"""
        UPDATE {{Sql.Schema}}.schedules SET paused = false, next_fire_at = @next_fire_at
        WHERE name = @name AND paused
        """;

    private const string DeleteSql = $"DELETE FROM {Sql.Schema}.schedules WHERE name = @name";

    private const string ListSql = $$"""
        SELECT name, cron, time_zone, workflow_name, queue, backfill, paused, next_fire_at, last_fired_at
        FROM {{Sql.Schema}}.schedules
        ORDER BY name
        """;

    /// <exception cref="ArgumentException">The cron expression, time zone or another field is not valid.</exception>
    public async Task SaveAsync(ScheduleDefinition schedule, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schedule.Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(schedule.WorkflowName);
        ArgumentException.ThrowIfNullOrWhiteSpace(schedule.Queue);
        var cron = CronSchedule.Parse(schedule.Cron, schedule.TimeZone);
        var command = dataSource.CreateCommand(SaveSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("name", schedule.Name));
        command.Parameters.Add(new NpgsqlParameter("cron", schedule.Cron));
        command.Parameters.Add(new NpgsqlParameter("time_zone", schedule.TimeZone));
        command.Parameters.Add(new NpgsqlParameter("workflow_name", schedule.WorkflowName));
        command.Parameters.Add(new NpgsqlParameter("input", NpgsqlDbType.Jsonb) { Value = schedule.InputJson });
        command.Parameters.Add(new NpgsqlParameter("queue", schedule.Queue));
        command.Parameters.Add(new NpgsqlParameter("backfill", schedule.Backfill));
        command.Parameters.Add(NextFireAt(cron));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <returns>false when no schedule has this name.</returns>
    public async Task<bool> PauseAsync(string name, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(PauseSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("name", name));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <returns>false when no schedule has this name.</returns>
    public async Task<bool> ResumeAsync(string name, CancellationToken cancellationToken)
    {
        CronSchedule cron;
        var read = dataSource.CreateCommand(ReadCronSql);
        await using (read.ConfigureAwait(false))
        {
            read.Parameters.Add(new NpgsqlParameter("name", name));
            var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                return false;
            cron = CronSchedule.Parse(reader.GetString(0), reader.GetString(1));
        }

        var command = dataSource.CreateCommand(ResumeSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("name", name));
        command.Parameters.Add(NextFireAt(cron));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <returns>false when no schedule has this name.</returns>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(DeleteSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("name", name));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<Schedule>> ListAsync(CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(ListSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        var schedules = new List<Schedule>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            schedules.Add(new Schedule(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetBoolean(5), reader.GetBoolean(6),
                reader.GetValueOrNull<DateTimeOffset>(7),
                reader.GetValueOrNull<DateTimeOffset>(8)));
        }

        return schedules;
    }

    private NpgsqlParameter NextFireAt(CronSchedule cron) =>
        new("next_fire_at", NpgsqlDbType.TimestampTz) { Value = (object?)cron.NextAfter(time.GetUtcNow()) ?? DBNull.Value };
}
