using Exp22.Workflows;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows.Execution;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Engine;

/// <summary>
/// The database's hold on recovery after an executor's own beats failed (executors.beating_since): the
/// first beat after them recovers nothing and restarts the run, so another executor's stale row is taken
/// only once this one has beaten again for a whole heartbeat timeout.
/// </summary>
public sealed class RecoveryAfterOutageTests
{
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task After_failed_beats_an_executor_recovers_a_silent_one_only_after_a_heartbeat_timeout_of_beats()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        var heartbeat = new ExecutorHeartbeat(dataSource);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ct = timeout.Token;

        await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), applicationVersion: "1");
        Assert.Single(await new QueueClaims(dataSource).ClaimAsync("silent", "1", ["default"], ["steps"], 1, ct));
        await heartbeat.BeatAsync(Beat("silent", starting: true), ct);
        await heartbeat.BeatAsync(Beat("me", starting: true), ct);
        await ExecuteAsync(database, "UPDATE exp22.executors SET heartbeat_at = now() - interval '1 hour' WHERE id = 'silent'");
        await BackdateRunAsync(database);

        Assert.Equal(0, await heartbeat.BeatAsync(Beat("me", afterFailedBeat: true), ct));
        Assert.Equal(0, await heartbeat.BeatAsync(Beat("me"), ct));

        await BackdateRunAsync(database);
        Assert.Equal(1, await heartbeat.BeatAsync(Beat("me"), ct));
    }

    // As if "me" had beaten without a break for longer than the timeout.
    private static Task BackdateRunAsync(string database) =>
        ExecuteAsync(database, "UPDATE exp22.executors SET beating_since = now() - interval '1 hour' WHERE id = 'me'");

    private static ExecutorBeat Beat(string executorId, bool starting = false, bool afterFailedBeat = false) =>
        new(executorId, "1", ExecutorStates.Running, 1, ["default"], HeartbeatTimeout, TimeSpan.FromSeconds(30),
            null, "[]", 0, starting, afterFailedBeat);

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
