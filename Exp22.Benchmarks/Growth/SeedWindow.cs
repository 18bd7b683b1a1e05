using System.Diagnostics;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Harness.Demo;
using Npgsql;

namespace Exp22.Benchmarks.Growth;

/// <summary>
/// R seed-shaped runs enqueued through the engine's client and waited for, counting only runs created in the
/// window (an index range), so that the wait does not scan the history it is measuring against.
/// </summary>
public static class SeedWindow
{
    public const int SubWorkflows = 6;
    public const int StepsPerWorkflow = 5;

    private const string FinishedSql = """
        SELECT count(*) FILTER (WHERE status IN ('SUCCESS', 'ERROR', 'CANCELLED'))
        FROM exp22.workflows
        WHERE parent_id IS NULL AND created_at >= @since
        """;

    private const string WindowSql = """
        SELECT extract(epoch FROM max(completed_at) - min(created_at))::float8
        FROM exp22.workflows
        WHERE parent_id IS NULL AND created_at >= @since
        """;

    /// <returns>Checkpointed steps per second, from the first enqueue to the last completion on the database's clock.</returns>
    public static async Task<double> StepsPerSecondAsync(NpgsqlDataSource dataSource, int runs, Progress progress, CancellationToken ct)
    {
        var since = await ServerNowAsync(dataSource, ct);
        await new DemoLoad(dataSource, progress).EnqueueManyAsync(runs, DemoRuns.Input(SubWorkflows, StepsPerWorkflow), 8, ct);
        var clock = Stopwatch.StartNew();
        while (await ScalarAsync<long>(dataSource, FinishedSql, since, ct) < runs)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException($"{runs} runs did not finish within 10 minutes.");
            await Task.Delay(200, ct);
        }

        return (double)runs * SubWorkflows * StepsPerWorkflow / await ScalarAsync<double>(dataSource, WindowSql, since, ct);
    }

    public static async Task<DateTime> ServerNowAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        return (DateTime)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, DateTime since, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("since", since));
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
