using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Services;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// The seed workload for a long time with executors stopped under it: seed-shaped runs (2–3
/// sub-workflows × 3 steps of 50–300 ms) started through the API at R per second, three executors at
/// the product's concurrency, and every S seconds one of executors 2 and 3 stopped (SIGTERM twice, then
/// SIGKILL twice, in turn) and restarted under its id. Executor 1 is never stopped: its RSS over the whole
/// run is the leak check. At the end: runs completed and lost, repeated step executions (each must have
/// been cut off by a stop), the drains' exit codes, RSS over time, and the engine's table sizes.
/// </summary>
public static class Soak
{
    private const int Executors = 3;
    private const int Concurrency = 16;
    private const int StepsPerWorkflow = 3;
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("soak", ct);
        await using var api = ServiceProcess.Start(BuiltProjects.Api, "api", new Dictionary<string, string>(options.ApiEnvironment)
        {
            ["ConnectionStrings__exp22db"] = connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
        });
        var log = new StepExecutionLog();
        var settings = new Dictionary<string, string>(options.ExecutorEnvironment)
        {
            ["Logging__LogLevel__Exp22.Executor.Demo"] = "Information",
        };
        var fleet = new Fleet(connectionString, settings, log);
        try
        {
            await Task.WhenAll(Enumerable.Range(1, Executors).Select(i => fleet.StartAsync(i, ct)));
            await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            progress.Line($"soak: {options.SoakDuration} of {options.SoakRunsPerSecond} runs/s on {Executors} executors " +
                          $"(concurrency {Concurrency}); one of executors 2 and 3 stopped every {options.SoakStopEvery.TotalSeconds:0} s");

            var clock = Stopwatch.StartNew();
            using var stopWorkload = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var started = StartRunsAsync(http, options.SoakRunsPerSecond, progress, stopWorkload.Token);
            var rss = SampleRssAsync(fleet, clock, SampleEvery(options.SoakDuration), stopWorkload.Token);
            var stops = new List<string>();
            var restarts = new Dictionary<int, Task>();
            int terms = 0, kills = 0, failedDrains = 0;
            // On a fixed schedule (stop k at (k + 1) × S), whatever the restarts cost: the victims alternate,
            // so a restart runs while the other victim is stopped.
            for (var stop = 0; (stop + 1) * options.SoakStopEvery < options.SoakDuration; stop++)
            {
                var due = (stop + 1) * options.SoakStopEvery - clock.Elapsed;
                if (due > TimeSpan.Zero)
                    await Task.Delay(due, ct);
                var victim = 2 + stop % 2;
                if (restarts.TryGetValue(victim, out var restart))
                    await restart;
                var process = fleet.Current(victim);
                log.Stopped(process.Name);
                if (stop / 2 % 2 == 0)
                {
                    process.Terminate();
                    var exitCode = await process.WaitForExitAsync(DrainBound);
                    terms++;
                    failedDrains += exitCode == 0 ? 0 : 1;
                    stops.Add($"{clock.Elapsed.TotalSeconds,7:0.0} s SIGTERM {process.Name} → exit {exitCode}");
                }
                else
                {
                    process.Kill();
                    await process.WaitForExitAsync(DrainBound);
                    kills++;
                    stops.Add($"{clock.Elapsed.TotalSeconds,7:0.0} s SIGKILL {process.Name}");
                }

                progress.Line("soak: " + stops[^1].Trim());
                restarts[victim] = fleet.StartAsync(victim, ct);
            }

            await Task.WhenAll(restarts.Values);
            var remaining = options.SoakDuration - clock.Elapsed;
            if (remaining > TimeSpan.Zero)
                await Task.Delay(remaining, ct);
            await stopWorkload.CancelAsync();
            var runs = await started;
            var samples = await rss;
            progress.Line($"soak: {runs.Count} runs started in {clock.Elapsed.TotalSeconds:0} s; waiting for them to finish");
            var completed = await WaitForRunsAsync(dataSource, runs, TimeSpan.FromMinutes(5), ct);
            var audit = await log.AuditAsync(dataSource, ct);
            var tables = await TableSizes.OfEngineAsync(dataSource, ct);

            Report(options, figures, progress, runs.Count, completed, terms, kills, failedDrains, audit, samples, tables);
        }
        finally
        {
            await fleet.DisposeAsync();
        }
    }

    private static TimeSpan SampleEvery(TimeSpan duration) => TimeSpan.FromSeconds(Math.Max(5, duration.TotalSeconds / 60));

    /// <summary>One start every 1/R s, each with its own Idempotency-Key, a refused one retried after its Retry-After.</summary>
    private static async Task<List<Guid>> StartRunsAsync(HttpClient http, int perSecond, Progress progress, CancellationToken stop)
    {
        var runs = new List<Guid>();
        var random = new Random(17);
        var interval = TimeSpan.FromSeconds(1.0 / perSecond);
        var next = Stopwatch.GetTimestamp();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var body = $$$"""{"subWorkflows":{{{random.Next(2, 4)}}},"stepsPerWorkflow":{{{StepsPerWorkflow}}},"stepDelayMs":{"min":50,"max":300}}""";
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/runs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("Idempotency-Key", $"soak-{i}");
                using var response = await http.SendAsync(request, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    runs.Add((await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None)).GetProperty("runId").GetGuid());
                    break;
                }

                if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
                    throw new InvalidOperationException($"POST /runs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                progress.Line($"soak: start {i} refused with {(int)response.StatusCode}; retrying");
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), CancellationToken.None);
            }

            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            try
            {
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return runs;
    }

    private sealed record RssSample(double Minutes, int Executor, double MiB);

    private static async Task<List<RssSample>> SampleRssAsync(Fleet fleet, Stopwatch clock, TimeSpan every, CancellationToken stop)
    {
        var samples = new List<RssSample>();
        while (!stop.IsCancellationRequested)
        {
            for (var i = 1; i <= Executors; i++)
            {
                var process = fleet.Current(i);
                try
                {
                    if (!process.HasExited)
                        samples.Add(new RssSample(clock.Elapsed.TotalMinutes, i, process.ResidentMiB()));
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    // Exited between the check and the read: a stop.
                }
            }

            try
            {
                await Task.Delay(every, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return samples;
    }

    /// <returns>How many of the runs ended SUCCESS.</returns>
    private static async Task<long> WaitForRunsAsync(NpgsqlDataSource dataSource, List<Guid> runs, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using var command = dataSource.CreateCommand(
                """
                SELECT count(*) FILTER (WHERE status IN ('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_EXCEEDED')),
                       count(*) FILTER (WHERE status = 'SUCCESS')
                FROM exp22.workflows
                WHERE id = ANY (@ids)
                """);
            command.Parameters.Add(new NpgsqlParameter("ids", runs.ToArray()));
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetInt64(0) == runs.Count || clock.Elapsed > timeout)
                return reader.GetInt64(1);
            await Task.Delay(500, ct);
        }
    }

    private static void Report(
        BenchOptions options, Figures figures, Progress progress, long started, long completed, int terms, int kills, int failedDrains,
        StepExecutionLog.Audit audit, List<RssSample> samples, IReadOnlyList<TableSize> tables)
    {
        var first = samples.Where(s => s.Executor == 1).ToList();
        var slope = SlopePerMinute(first.Where(s => s.Minutes >= options.SoakDuration.TotalMinutes / 2).ToList());
        figures.Add("soak_duration_s", options.SoakDuration.TotalSeconds, 0);
        figures.Add("soak_stops_sigterm", terms);
        figures.Add("soak_stops_sigkill", kills);
        figures.Add("soak_drains_not_exit_0", failedDrains);
        figures.Add("soak_runs_started", started);
        figures.Add("soak_runs_completed", completed);
        figures.Add("soak_runs_lost", started - completed);
        figures.Add("soak_step_executions", audit.Executions);
        figures.Add("soak_steps_checkpointed", audit.Steps);
        figures.Add("soak_repeated_step_executions", audit.Repeats);
        figures.Add("soak_repeats_not_cut_off_by_a_stop", audit.RepeatsOutsideStops);
        figures.Add("soak_steps_executed_never_checkpointed", audit.Unchecked);
        if (first.Count > 0)
        {
            figures.Add("soak_executor1_rss_first_mb", first[0].MiB, 0);
            figures.Add("soak_executor1_rss_last_mb", first[^1].MiB, 0);
            figures.Add("soak_executor1_rss_max_mb", first.Max(s => s.MiB), 0);
            figures.Add("soak_executor1_rss_slope_second_half_mb_per_min", slope, 2);
        }

        foreach (var table in tables)
        {
            figures.Add($"soak_table_{table.Table}_mb", table.Bytes / 1048576.0, 1);
            figures.Add($"soak_table_{table.Table}_rows", table.LiveRows);
            figures.Add($"soak_table_{table.Table}_dead_rows", table.DeadRows);
        }

        progress.Line($"soak: {started} runs started, {completed} completed, {started - completed} lost; " +
                      $"{terms} SIGTERM ({failedDrains} drains not exiting 0) + {kills} SIGKILL");
        progress.Line($"soak: {audit.Executions} step executions for {audit.Steps} checkpointed steps: {audit.Repeats} repeated, " +
                      $"{audit.RepeatsOutsideStops} of them not cut off by a stop; {audit.Unchecked} executed but never checkpointed");
        foreach (var sample in audit.Samples)
            progress.Line("  " + sample);
        progress.Line("soak: executor RSS over time (MiB; executor 1 is never stopped)");
        progress.Line("   minute   executor-1  executor-2  executor-3");
        foreach (var moment in samples.GroupBy(s => Math.Round(s.Minutes, 2)).OrderBy(g => g.Key))
        {
            string Of(int executor) => moment.FirstOrDefault(s => s.Executor == executor) is { } s ? $"{s.MiB,10:0.0}" : "         -";
            progress.Line($"  {moment.Key,7:0.00}  {Of(1)}  {Of(2)}  {Of(3)}");
        }

        progress.Line($"soak: executor 1 RSS slope over the second half {slope:+0.00;-0.00} MiB/min");
        progress.Line("soak: PostgreSQL tables (total size with indexes and TOAST, live rows, dead rows)");
        foreach (var table in tables)
            progress.Line($"  exp22.{table.Table,-16} {table.Bytes / 1048576.0,8:0.0} MiB {table.LiveRows,10} live {table.DeadRows,8} dead");
    }

    /// <summary>Least-squares slope of RSS against time, MiB per minute (0 with fewer than two samples).</summary>
    private static double SlopePerMinute(List<RssSample> samples)
    {
        if (samples.Count < 2)
            return 0;
        var meanT = samples.Average(s => s.Minutes);
        var meanM = samples.Average(s => s.MiB);
        var covariance = samples.Sum(s => (s.Minutes - meanT) * (s.MiB - meanM));
        var variance = samples.Sum(s => (s.Minutes - meanT) * (s.Minutes - meanT));
        return variance == 0 ? 0 : covariance / variance;
    }

    /// <summary>The executor processes under their ids, each restart a new process with a new "#n" suffix.</summary>
    private sealed class Fleet(string connectionString, IReadOnlyDictionary<string, string> settings, StepExecutionLog log) : IAsyncDisposable
    {
        private readonly Dictionary<int, ServiceProcess> _current = [];
        private readonly List<ServiceProcess> _all = [];

        public ServiceProcess Current(int executor)
        {
            lock (_all)
                return _current[executor];
        }

        public async Task StartAsync(int executor, CancellationToken ct)
        {
            int incarnation;
            lock (_all)
                incarnation = _all.Count(p => p.Name.StartsWith($"executor-{executor}#", StringComparison.Ordinal)) + 1;
            var started = await ExecutorFleet.StartAsync(connectionString, 1, Concurrency, settings, ct, firstIndex: executor,
                processSuffix: $"#{incarnation.ToString(CultureInfo.InvariantCulture)}", onLine: log.Observe);
            lock (_all)
            {
                _all.Add(started[0]);
                _current[executor] = started[0];
            }
        }

        public async ValueTask DisposeAsync()
        {
            List<ServiceProcess> all;
            lock (_all)
                all = [.. _all];
            await ExecutorFleet.StopAsync(all);
        }
    }
}
