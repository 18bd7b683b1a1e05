using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Schedules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Exp22.Tests.Engine;

public sealed class ScheduleTests
{
    /// <summary>The tick part of a run's key, a UTC round-trip time: 2026-03-01T10:05:00.0000000Z.</summary>
    private const int TickLength = 28;

    private static readonly string Input = WorkflowJson.Serialize(new StepsInput(1));

    private static async Task<List<string>> FiredTicksAsync(string database, string schedule)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT idempotency_key FROM exp22.workflows WHERE idempotency_key LIKE @prefix ORDER BY idempotency_key", connection);
        command.Parameters.Add(new NpgsqlParameter("prefix", $"schedule:{schedule}:%"));
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            keys.Add(reader.GetString(0).Substring($"schedule:{schedule}:".Length, TickLength));
        return keys;
    }

    [Fact]
    public async Task Ticks_fire_once_each_when_due_and_missed_ticks_collapse_into_one_unless_backfilled()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 10, 0, 30, TimeSpan.Zero));
        var schedules = new ScheduleClient(dataSource, time);
        var ticker = new ScheduleTicker(dataSource, time);
        await schedules.SaveAsync(new ScheduleDefinition("every-5", "*/5 * * * *", "steps", Input), CancellationToken.None);
        await schedules.SaveAsync(new ScheduleDefinition("backfilled", "*/5 * * * *", "steps", Input, Backfill: true), CancellationToken.None);

        time.SetUtcNow(new DateTimeOffset(2026, 3, 1, 10, 4, 59, TimeSpan.Zero));
        Assert.Equal(0, await ticker.TickAsync(CancellationToken.None));

        time.SetUtcNow(new DateTimeOffset(2026, 3, 1, 10, 5, 1, TimeSpan.Zero));
        Assert.Equal(2, await ticker.TickAsync(CancellationToken.None));
        Assert.Equal(0, await ticker.TickAsync(CancellationToken.None));
        Assert.Equal(["2026-03-01T10:05:00.0000000Z"], await FiredTicksAsync(database, "every-5"));

        // An hour with nobody ticking: one run for the plain schedule, every missed tick for the other.
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1 + 12, await ticker.TickAsync(CancellationToken.None));
        Assert.Equal(["2026-03-01T10:05:00.0000000Z", "2026-03-01T11:05:00.0000000Z"], await FiredTicksAsync(database, "every-5"));
        Assert.Equal(13, (await FiredTicksAsync(database, "backfilled")).Count);

        // Saving the same schedule again (an executor restarting) neither refires nor skips a tick.
        await schedules.SaveAsync(new ScheduleDefinition("every-5", "*/5 * * * *", "steps", Input), CancellationToken.None);
        var listed = (await schedules.ListAsync(CancellationToken.None)).Single(s => s.Name == "every-5");
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 10, 0, TimeSpan.Zero), listed.NextFireAt);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 5, 0, TimeSpan.Zero), listed.LastFiredAt);
    }

    [Fact]
    public async Task A_paused_schedule_does_not_fire_and_resumes_from_now_without_the_ticks_it_missed()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));
        var schedules = new ScheduleClient(dataSource, time);
        var ticker = new ScheduleTicker(dataSource, time);
        await schedules.SaveAsync(new ScheduleDefinition("minutely", "* * * * *", "steps", Input, Backfill: true), CancellationToken.None);

        Assert.True(await schedules.PauseAsync("minutely", CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, await ticker.TickAsync(CancellationToken.None));
        Assert.True(await schedules.ResumeAsync("minutely", CancellationToken.None));
        Assert.Equal(0, await ticker.TickAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await ticker.TickAsync(CancellationToken.None));

        Assert.Equal(["2026-03-01T10:31:00.0000000Z"], await FiredTicksAsync(database, "minutely"));
        Assert.False(await schedules.PauseAsync("no-such-schedule", CancellationToken.None));
        Assert.True(await schedules.DeleteAsync("minutely", CancellationToken.None));
        Assert.Empty(await schedules.ListAsync(CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            schedules.SaveAsync(new ScheduleDefinition("bad", "every minute", "steps", Input), CancellationToken.None));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Three_executors_fire_each_tick_exactly_once_and_a_restart_after_downtime_does_not_flood()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        void Fast(Dictionary<string, string?> s)
        {
            s["Workflows:ScheduleInterval"] = "00:00:00.020";
            s["Workflows:Schedules:every-second:Cron"] = "* * * * * *";
            s["Workflows:Schedules:every-second:Workflow"] = "steps";
            s["Workflows:Schedules:every-second:Input"] = Input;
        }

        var executors = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => EngineHost.StartAsync(database, log, configure: Fast)));
        await Task.Delay(TimeSpan.FromSeconds(4));
        await Task.WhenAll(executors.Select(e => e.DisposeAsync().AsTask()));
        var firstPhase = (await FiredTicksAsync(database, "every-second")).Select(DateTimeOffset.Parse).ToList();

        Assert.InRange(firstPhase.Count, 3, 6);
        Assert.Equal(firstPhase.Count, firstPhase.Distinct().Count());
        for (var i = 1; i < firstPhase.Count; i++)
            Assert.Equal(TimeSpan.FromSeconds(1), firstPhase[i] - firstPhase[i - 1]);

        await Task.Delay(TimeSpan.FromSeconds(4));
        await using (await EngineHost.StartAsync(database, log, configure: Fast))
            await Task.Delay(TimeSpan.FromSeconds(1.5));
        var afterRestart = (await FiredTicksAsync(database, "every-second")).Select(DateTimeOffset.Parse)
            .Where(t => t > firstPhase[^1]).ToList();

        // The ~4 s without an executor owe one run, not four; then one a second again.
        Assert.InRange(afterRestart.Count, 1, 4);
        Assert.True(afterRestart[0] - firstPhase[^1] >= TimeSpan.FromSeconds(3), $"first tick after the restart: {afterRestart[0]:O}");
    }

    [Theory]
    [InlineData("Workflows:Schedules:nightly:Cron", "at midnight")]
    [InlineData("Workflows:Schedules:nightly:TimeZone", "Mars/Olympus")]
    [InlineData("Workflows:Schedules:nightly:Input", "{not json")]
    public async Task A_bad_schedule_setting_stops_the_start_with_a_message_naming_the_key(string key, string value)
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            EngineHost.StartAsync(database, new ExecutionLog(), configure: s =>
            {
                s["Workflows:Schedules:nightly:Cron"] = "0 0 * * *";
                s["Workflows:Schedules:nightly:Workflow"] = "steps";
                s[key] = value;
            }));

        Assert.Contains(key, error.Message);
    }
}
