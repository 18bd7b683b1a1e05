using System.Diagnostics;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Services;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// N runs started through the API as fast as it takes them, by C clients that honour Retry-After, while
/// two executors drain the backlog: how the API sheds (429/503 with Retry-After, never a timeout or a
/// dropped connection), whether its health probes still answer within the probe timeout, how far the
/// executors' memory goes (peak RSS) and how fast the backlog drains. Runs are 1 sub-workflow × 1 no-op step.
/// </summary>
public static class Overload
{
    private const string Body = """{"subWorkflows":1,"stepsPerWorkflow":1}""";
    private const int Executors = 2;

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("overload", ct);
        var apiEnvironment = new Dictionary<string, string>(options.ApiEnvironment)
        {
            ["ConnectionStrings__exp22db"] = connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        await using var api = ServiceProcess.Start(BuiltProjects.Api, "api", apiEnvironment);
        var executors = await ExecutorFleet.StartAsync(connectionString, Executors, options.Concurrency, options.ExecutorEnvironment, ct);
        try
        {
            await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var runs = new DemoLoad(dataSource, progress);
            progress.Line($"overload: {options.OverloadRuns} runs from {options.OverloadClients} clients through POST /runs; " +
                          $"{Executors} executors (concurrency {options.Concurrency}) drain them");

            await using var probes = HealthProbes.Start(api.BaseAddress);
            var clock = Stopwatch.StartNew();
            var flood = await RunStartFlood.RunAsync(api.BaseAddress, options.OverloadRuns, options.OverloadClients, Body, progress, ct);
            var floodEnded = clock.Elapsed;
            var finishedAtFloodEnd = await FinishedAsync(dataSource, ct);
            var probed = await probes.StopAsync();
            progress.Line($"overload: all runs started in {floodEnded.TotalSeconds:0.0} s; {finishedAtFloodEnd} already finished; draining the rest");
            progress.Line($"overload: {flood.Accepted} accepted at {flood.Accepted / flood.Elapsed.TotalSeconds:0} runs/s " +
                          $"(p99 {Percentiles.Of(flood.AcceptedLatenciesMs, 99):0} ms); {flood.Shed429} shed with 429, {flood.Refused503} with 503, " +
                          $"{flood.WithoutRetryAfter} without Retry-After, {flood.OtherStatuses} other answers, {flood.Dropped} dropped or timed out");
            progress.Line($"overload: {probed.Probes} health probes during the flood, {probed.Failures} failed, slowest {probed.MaxMs:0} ms " +
                          $"(timeout {HealthProbes.ProbeTimeout.TotalMilliseconds:0} ms)");
            var succeeded = await runs.WaitForRunsAsync(flood.Accepted, TimeSpan.FromHours(1), ct);
            var drained = clock.Elapsed;
            var apiPeak = api.PeakResidentMiB();

            var executorPeak = executors.Max(e => e.PeakResidentMiB());
            var backlogRate = (flood.Accepted - finishedAtFloodEnd) / Math.Max((drained - floodEnded).TotalSeconds, 0.001);
            figures.Add("overload_runs", options.OverloadRuns);
            figures.Add("overload_clients", options.OverloadClients);
            figures.Add("overload_accepted", flood.Accepted);
            figures.Add("overload_shed_429", flood.Shed429);
            figures.Add("overload_refused_503", flood.Refused503);
            figures.Add("overload_without_retry_after", flood.WithoutRetryAfter);
            figures.Add("overload_other_statuses", flood.OtherStatuses);
            figures.Add("overload_dropped_or_timed_out", flood.Dropped);
            figures.Add("overload_accept_rps", flood.Accepted / flood.Elapsed.TotalSeconds, 0);
            figures.Add("overload_accepted_p99_ms", Percentiles.Of(flood.AcceptedLatenciesMs, 99), 1);
            figures.Add("overload_probes", probed.Probes);
            figures.Add("overload_probe_failures", probed.Failures);
            figures.Add("overload_probe_max_ms", probed.MaxMs, 1);
            figures.Add("overload_probe_p99_ms", probed.P99Ms, 1);
            figures.Add("overload_probe_timeout_ms", HealthProbes.ProbeTimeout.TotalMilliseconds, 0);
            figures.Add("overload_drain_runs_per_s", succeeded / drained.TotalSeconds, 0);
            figures.Add("overload_backlog_drain_runs_per_s", backlogRate, 0);
            figures.Add("overload_runs_succeeded", succeeded);
            figures.Add("overload_runs_lost", options.OverloadRuns - succeeded);
            figures.Add("overload_executor_peak_rss_mb", executorPeak, 0);
            figures.Add("overload_api_peak_rss_mb", apiPeak, 0);
            progress.Line($"overload: {succeeded} runs SUCCESS after {drained.TotalSeconds:0.0} s ({succeeded / drained.TotalSeconds:0} runs/s overall, " +
                          $"backlog after the flood at {backlogRate:0} runs/s); executor peak RSS {executorPeak:0} MiB, API {apiPeak:0} MiB");
            foreach (var failure in flood.FailureSamples.Concat(probed.FailureSamples))
                progress.Line("  " + failure);
        }
        finally
        {
            await ExecutorFleet.StopAsync(executors);
        }
    }

    private static async Task<long> FinishedAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM exp22.workflows WHERE parent_id IS NULL AND status IN ('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_EXCEEDED')");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
