using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Demo;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// One executor's peak resident memory (VmHWM) while N seed-shaped runs are in flight at once: its
/// concurrency is N, so it holds every parent (parked) and up to N sub-workflows executing steps of
/// 100–300 ms, with their contexts, histories and pooled connections.
/// </summary>
public static class ExecutorMemory
{
    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("rss", ct);
        // A first executor process only migrates the schema: the runs are enqueued while no executor runs,
        // so every parent is older than every child and the measured executor starts all runs at once.
        progress.Line("rss: migrating the schema with a first executor process, then enqueueing while none runs");
        await ExecutorFleet.StopAsync(await ExecutorFleet.StartAsync(connectionString, 1, 1, options.ExecutorEnvironment, ct));
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var runs = new DemoLoad(dataSource, progress);
        await runs.EnqueueManyAsync(options.RssRuns, DemoRuns.Input(6, 5, 100, 300), 8, ct);

        progress.Line($"rss: one executor, concurrency {options.RssRuns}, {options.RssRuns} runs x 6 x 5 steps of 100-300 ms");
        var executors = await ExecutorFleet.StartAsync(connectionString, 1, options.RssRuns, options.ExecutorEnvironment, ct);
        var executor = executors[0];
        try
        {
            using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var peaks = SamplePeaksAsync(dataSource, sampling.Token);
            var succeeded = await runs.WaitForRunsAsync(options.RssRuns, TimeSpan.FromMinutes(30), ct);
            await sampling.CancelAsync();
            var (peakRuns, peakWorkflows) = await peaks;

            var peakMiB = executor.PeakResidentMiB();
            figures.Add("executor_peak_rss_mb", peakMiB, 0);
            figures.Add("rss_runs_in_flight_peak", peakRuns);
            figures.Add("rss_workflows_executing_peak", peakWorkflows);
            progress.Line($"rss: peak RSS {peakMiB:0} MiB with up to {peakRuns} runs in flight and {peakWorkflows} workflows executing at once " +
                          $"({succeeded}/{options.RssRuns} runs SUCCESS)");
        }
        finally
        {
            await ExecutorFleet.StopAsync(executors);
        }
    }

    private static async Task<(long Runs, long Workflows)> SamplePeaksAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        long peakRuns = 0, peakWorkflows = 0;
        try
        {
            while (true)
            {
                await using var command = dataSource.CreateCommand(
                    """
                    SELECT count(*) FILTER (WHERE parent_id IS NULL),
                           count(*) FILTER (WHERE executor_id IS NOT NULL)
                    FROM exp22.workflows
                    WHERE status = 'RUNNING'
                    """);
                await using var reader = await command.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                peakRuns = Math.Max(peakRuns, reader.GetInt64(0));
                peakWorkflows = Math.Max(peakWorkflows, reader.GetInt64(1));
                await Task.Delay(250, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return (peakRuns, peakWorkflows);
        }
    }
}
