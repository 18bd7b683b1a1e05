using System.Diagnostics;
using Exp22.Benchmarks.Growth;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Demo;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// A steady rate for minutes: seed-shaped runs enqueued at R per second through the engine's client to two
/// executors, with retention short enough (2 minutes, swept every 5 s) that deletes catch up with inserts
/// within the run. Every sample interval: steps/s, runs waiting, HOT updates, dead rows, and the heap and
/// index sizes of exp22.workflows and exp22.steps. Flat sizes in the second half mean autovacuum keeps up.
/// </summary>
public static class SteadySoak
{
    private const int Executors = 2;

    private static readonly Dictionary<string, string> Retention = new()
    {
        ["Workflows__RetentionPeriod"] = "00:02:00",
        ["Workflows__RetentionInterval"] = "00:00:05",
    };

    private const string WaitingSql = "SELECT count(*) FROM exp22.workflows WHERE status = 'ENQUEUED'";

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("steady", ct);
        var settings = new Dictionary<string, string>(Retention);
        foreach (var (key, value) in options.ExecutorEnvironment)
            settings[key] = value;
        progress.Line($"steady: starting {Executors} executors (concurrency {options.Concurrency} each, retention 2 min)");
        var executors = await ExecutorFleet.StartAsync(connectionString, Executors, options.Concurrency, settings, ct);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var duration = TimeSpan.FromMinutes(options.SoakMinutes);
            progress.Line($"steady: {options.SteadyRunsPerSecond} seed-shaped runs/s ({options.SteadyRunsPerSecond * SeedWindow.SubWorkflows * SeedWindow.StepsPerWorkflow} steps/s) " +
                          $"for {duration}, sampled every {options.SampleSeconds} s");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var load = EnqueueSteadilyAsync(new DemoLoad(dataSource, progress), options.SteadyRunsPerSecond, stop.Token);

            var curve = new List<IReadOnlyDictionary<string, double>>();
            var clock = Stopwatch.StartNew();
            var previous = await TableActivity.ReadAsync(dataSource, ct);
            var previousAt = clock.Elapsed;
            while (clock.Elapsed < duration)
            {
                await Task.Delay(TimeSpan.FromSeconds(options.SampleSeconds), ct);
                var now = await TableActivity.ReadAsync(dataSource, ct);
                var at = clock.Elapsed;
                var (workflows, steps) = (now["workflows"], now["steps"]);
                var point = new Dictionary<string, double>
                {
                    ["minute"] = at.TotalMinutes,
                    ["steps_per_s"] = (steps.Inserts - previous["steps"].Inserts) / (at - previousAt).TotalSeconds,
                    ["runs_waiting"] = await WaitingAsync(dataSource, ct),
                    ["workflows_hot_update_ratio"] = workflows.HotRatioSince(previous["workflows"]),
                    ["workflows_live_rows"] = workflows.LiveRows,
                    ["workflows_dead_rows"] = workflows.DeadRows,
                    ["workflows_heap_mb"] = workflows.HeapBytes / 1048576.0,
                    ["workflows_index_mb"] = workflows.IndexBytes / 1048576.0,
                    ["steps_live_rows"] = steps.LiveRows,
                    ["steps_dead_rows"] = steps.DeadRows,
                    ["steps_heap_mb"] = steps.HeapBytes / 1048576.0,
                    ["steps_index_mb"] = steps.IndexBytes / 1048576.0,
                    ["autovacuums"] = workflows.Autovacuums + steps.Autovacuums,
                };
                curve.Add(point);
                progress.Line($"steady: {point["minute"],5:0.0} min {point["steps_per_s"],6:0} steps/s, {point["runs_waiting"],5:0} waiting, " +
                              $"HOT {point["workflows_hot_update_ratio"]:0.00}; workflows {workflows.LiveRows} live {workflows.DeadRows} dead " +
                              $"{point["workflows_heap_mb"]:0.0}+{point["workflows_index_mb"]:0.0} MiB; steps {steps.LiveRows} live {steps.DeadRows} dead " +
                              $"{point["steps_heap_mb"]:0.0}+{point["steps_index_mb"]:0.0} MiB; {point["autovacuums"]} autovacuums");
                (previous, previousAt) = (now, at);
            }

            await stop.CancelAsync();
            await load;
            figures.AddCurve("steady_curve", curve, 2);
            figures.Add("steady_runs_per_s", options.SteadyRunsPerSecond);
            figures.Add("steady_minutes", options.SoakMinutes);
            var secondHalf = curve.Where(p => p["minute"] >= duration.TotalMinutes / 2).ToList();
            if (secondHalf.Count >= 2)
            {
                figures.Add("steady_workflows_mb_per_min_second_half", Slope(secondHalf, p => p["workflows_heap_mb"] + p["workflows_index_mb"]), 3);
                figures.Add("steady_steps_mb_per_min_second_half", Slope(secondHalf, p => p["steps_heap_mb"] + p["steps_index_mb"]), 3);
                figures.Add("steady_steps_per_s_second_half", secondHalf.Average(p => p["steps_per_s"]), 0);
            }
        }
        finally
        {
            await ExecutorFleet.StopAsync(executors);
        }
    }

    /// <summary>One run every 1/R s on a fixed schedule, so a slow enqueue is made up for rather than lowering the rate.</summary>
    private static async Task EnqueueSteadilyAsync(DemoLoad load, int perSecond, CancellationToken stop)
    {
        var input = DemoRuns.Input(SeedWindow.SubWorkflows, SeedWindow.StepsPerWorkflow);
        var clock = Stopwatch.StartNew();
        var started = 0L;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var due = (long)(clock.Elapsed.TotalSeconds * perSecond) - started;
                for (var i = 0; i < due; i++)
                    await load.EnqueueAsync(input, stop);
                started += due;
                await Task.Delay(TimeSpan.FromMilliseconds(10), stop);
            }
        }
        catch (OperationCanceledException)
        {
            // The soak is over.
        }
    }

    private static async Task<long> WaitingAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(WaitingSql);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Least-squares slope per minute.</summary>
    private static double Slope(List<IReadOnlyDictionary<string, double>> points, Func<IReadOnlyDictionary<string, double>, double> value)
    {
        var meanT = points.Average(p => p["minute"]);
        var meanV = points.Average(value);
        var covariance = points.Sum(p => (p["minute"] - meanT) * (value(p) - meanV));
        var variance = points.Sum(p => (p["minute"] - meanT) * (p["minute"] - meanT));
        return variance == 0 ? 0 : covariance / variance;
    }
}
