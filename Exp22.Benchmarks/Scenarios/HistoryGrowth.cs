using Exp22.Benchmarks.Growth;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// Steps/s as finished history piles up: the same executors measure seed-shaped windows with 0, then (say)
/// 100,000, then 1,000,000 finished workflows and their steps already in the tables, each point a ratio to
/// the empty case. The history is written with set-based SQL, then vacuumed and analysed as autovacuum would.
/// </summary>
public static class HistoryGrowth
{
    private const int Executors = 2;

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("history", ct);
        progress.Line($"history: starting {Executors} executors (concurrency {options.Concurrency} each)");
        var executors = await ExecutorFleet.StartAsync(connectionString, Executors, options.Concurrency, options.ExecutorEnvironment, ct);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            progress.Line($"history: warming up for {options.WarmupSeconds} s");
            var warmup = System.Diagnostics.Stopwatch.StartNew();
            while (warmup.Elapsed < TimeSpan.FromSeconds(options.WarmupSeconds))
                await SeedWindow.StepsPerSecondAsync(dataSource, 50, progress, ct);

            var curve = new List<IReadOnlyDictionary<string, double>>();
            long historyRuns = 0;
            double empty = double.NaN;
            foreach (var workflows in options.HistoryWorkflows)
            {
                var wantedRuns = workflows / SeedRows.WorkflowsPerRun;
                if (wantedRuns > historyRuns)
                {
                    progress.Line($"history: adding {(wantedRuns - historyRuns) * SeedRows.WorkflowsPerRun} finished workflows");
                    var fill = System.Diagnostics.Stopwatch.StartNew();
                    await SeedRows.AddFinishedRunsAsync(dataSource, historyRuns, wantedRuns - historyRuns, progress.Line, ct);
                    progress.Line($"history: filled in {fill.Elapsed.TotalSeconds:0} s");
                    historyRuns = wantedRuns;
                }

                var windows = new List<double>();
                for (var i = 0; i < options.GrowthWindows; i++)
                    windows.Add(await SeedWindow.StepsPerSecondAsync(dataSource, options.GrowthRuns, progress, ct));
                var stepsPerSecond = Percentiles.Of(windows, 50);
                if (double.IsNaN(empty))
                    empty = stepsPerSecond;
                var tables = await TableActivity.ReadAsync(dataSource, ct);
                curve.Add(new Dictionary<string, double>
                {
                    ["finished_workflows"] = workflows,
                    ["steps_per_s"] = stepsPerSecond,
                    ["ratio_to_empty"] = stepsPerSecond / empty,
                    ["workflows_mb"] = (tables["workflows"].HeapBytes + tables["workflows"].IndexBytes) / 1048576.0,
                    ["steps_mb"] = (tables["steps"].HeapBytes + tables["steps"].IndexBytes) / 1048576.0,
                });
                progress.Line($"history: {workflows,9} finished workflows: {stepsPerSecond:0} steps/s (median of " +
                              $"{string.Join(" · ", windows.Select(w => w.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}), " +
                              $"{stepsPerSecond / empty:0.00} of the empty case");
            }

            figures.AddCurve("history_curve", curve);
            figures.Add("history_ratio_at_largest", curve[^1]["ratio_to_empty"], 3);
        }
        finally
        {
            await ExecutorFleet.StopAsync(executors);
        }
    }
}
