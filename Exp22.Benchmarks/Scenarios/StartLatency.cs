using System.Diagnostics;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Demo;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// Enqueue → start at light load: runs enqueued one at a time to two idle executors. The latency is the
/// run's claim time minus its insert time, both on the database's clock, so it covers the commit, the
/// notification, the executor's wake-up and its claim statement.
/// </summary>
public static class StartLatency
{
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(20);

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("latency", ct);
        progress.Line("latency: starting 2 executors");
        var executors = await ExecutorFleet.StartAsync(connectionString, 2, options.Concurrency, options.ExecutorEnvironment, ct);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var runs = new DemoLoad(dataSource, progress);
            var input = DemoRuns.Input(1, 1);
            const int warmup = 20;
            progress.Line($"latency: {options.LatencySamples} runs (1 sub-workflow x 1 step) enqueued one at a time, {Gap.TotalMilliseconds:0} ms apart");
            var roundTrips = new List<double>();
            for (var i = 0; i < warmup + options.LatencySamples; i++)
            {
                var clock = Stopwatch.StartNew();
                await runs.EnqueueAsync(input, ct);
                if (i >= warmup)
                    roundTrips.Add(clock.Elapsed.TotalMilliseconds);
                await Task.Delay(Gap, ct);
            }

            await runs.WaitForRunsAsync(warmup + options.LatencySamples, TimeSpan.FromMinutes(2), ct);
            var latencies = await StartLatenciesAsync(dataSource, warmup, ct);
            figures.Add("enqueue_to_start_p50_ms", Percentiles.Of(latencies, 50), 2);
            figures.Add("enqueue_to_start_p99_ms", Percentiles.Of(latencies, 99), 2);
            figures.Add("enqueue_call_p50_ms", Percentiles.Of(roundTrips, 50), 2);
            progress.Line($"latency: enqueue -> start p50 {Percentiles.Of(latencies, 50):0.00} ms, p99 {Percentiles.Of(latencies, 99):0.00} ms; " +
                          $"the enqueue call itself p50 {Percentiles.Of(roundTrips, 50):0.00} ms");
        }
        finally
        {
            await ExecutorFleet.StopAsync(executors);
        }
    }

    private static async Task<List<double>> StartLatenciesAsync(NpgsqlDataSource dataSource, int skip, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT extract(epoch FROM started_at - created_at)::float8 * 1000
            FROM exp22.workflows
            WHERE parent_id IS NULL
            ORDER BY created_at
            OFFSET @skip
            """);
        command.Parameters.Add(new NpgsqlParameter("skip", skip));
        var latencies = new List<double>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            latencies.Add(reader.GetDouble(0));
        return latencies;
    }
}
