using System.Diagnostics;
using Exp22.Benchmarks.Growth;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Demo;
using Exp22.Workflows.Client;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// Claim latency as the queue grows. Two idle executors; at each point a backlog of N queued runs (no
/// sub-workflows) appears at once, as after an outage, and P probe runs are enqueued one at a time, 20 ms
/// apart, at a higher priority so that they do not wait behind the backlog: their enqueue → start on the
/// database's clock, the claim statement's mean time from pg_stat_statements while the backlog drains, and
/// the drain rate. Then the same probes with M sleeping runs in the queue (ENQUEUED with not_before a day
/// ahead, created before the probes), which every claim must pass over.
/// </summary>
public static class BacklogClaims
{
    private const int Executors = 2;
    private const int ProbePriority = 1;
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(20);

    // Ranges of the claimable and running indexes only: counting the sleepers would load the server being measured.
    private const string UnfinishedSql = """
        SELECT (SELECT count(*) FROM exp22.workflows WHERE status = 'ENQUEUED' AND queue = 'default' AND priority >= @lowest)
             + (SELECT count(*) FROM exp22.workflows WHERE status = 'RUNNING')
        """;

    // started_at is the claim statement's now(), its start: a slow claim shows in the no-op probe's end.
    private const string ProbeLatenciesSql = """
        SELECT extract(epoch FROM started_at - created_at)::float8 * 1000
        FROM exp22.workflows
        WHERE parent_id IS NULL AND priority = @priority AND created_at >= @since
        """;

    private const string ProbeDoneSql = """
        SELECT extract(epoch FROM completed_at - created_at)::float8 * 1000
        FROM exp22.workflows
        WHERE parent_id IS NULL AND priority = @priority AND created_at >= @since
        """;

    private const string BacklogDrainSql = """
        SELECT extract(epoch FROM max(completed_at) - min(claimed_at))::float8
        FROM exp22.workflows
        WHERE parent_id IS NULL AND priority = 0 AND claimed_at >= @since
        """;

    // Both claims (plain and queue-limited) set claimed_at and skip locked rows; nothing else does both.
    private const string ClaimStatsSql = """
        SELECT coalesce(sum(calls), 0)::bigint, coalesce(sum(total_exec_time) / nullif(sum(calls), 0), 0)::float8
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query LIKE '%SKIP LOCKED%' AND query LIKE '%claimed_at = now()%'
        """;

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("backlog", ct);
        progress.Line($"backlog: starting {Executors} executors (concurrency {options.Concurrency} each)");
        var executors = await ExecutorFleet.StartAsync(connectionString, Executors, options.Concurrency, options.ExecutorEnvironment, ct);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var client = new WorkflowClient(dataSource);
            await ProbeAsync(dataSource, client, 20, false, ct);

            var curve = new List<IReadOnlyDictionary<string, double>>();
            var idle = await MeasureAsync(dataSource, client, options, "idle", 0, null, progress, ct);
            curve.Add(idle);
            foreach (var queued in options.BacklogRuns)
                curve.Add(await MeasureAsync(dataSource, client, options, "queued", queued, null, progress, ct));
            figures.AddCurve("backlog_curve", curve);

            var sleeping = await MeasureAsync(dataSource, client, options, "sleeping", options.SleepingRuns,
                DateTime.UtcNow.AddDays(1), progress, ct);
            figures.AddCurve("backlog_sleeping", [idle, sleeping]);
            figures.Add("claim_mean_ms_idle", idle["claim_mean_ms"], 3);
            figures.Add("claim_mean_ms_largest_backlog", curve[^1]["claim_mean_ms"], 3);
            figures.Add("claim_mean_ms_with_sleepers", sleeping["claim_mean_ms"], 3);
            figures.Add("enqueue_to_done_p50_ms_idle", idle["enqueue_to_done_p50_ms"], 2);
            figures.Add("enqueue_to_done_p50_ms_with_sleepers", sleeping["enqueue_to_done_p50_ms"], 2);
        }
        finally
        {
            await ExecutorFleet.StopAsync(executors);
        }
    }

    private static async Task<IReadOnlyDictionary<string, double>> MeasureAsync(
        NpgsqlDataSource dataSource, WorkflowClient client, BenchOptions options, string kind, long runs, DateTime? notBefore,
        Progress progress, CancellationToken ct)
    {
        var since = await SeedWindow.ServerNowAsync(dataSource, ct);
        var statements = await StatementStats.ResetAsync(dataSource, ct);
        var clock = Stopwatch.StartNew();
        if (runs > 0)
        {
            progress.Line($"backlog: adding {runs} {kind} runs");
            await SeedRows.AddQueuedRunsAsync(dataSource, runs, notBefore, ct);
            await using var notify = dataSource.CreateCommand("SELECT pg_notify('exp22_enqueued', 'default')");
            await notify.ExecuteNonQueryAsync(ct);
        }

        var sleepers = notBefore is not null;
        await ProbeAsync(dataSource, client, options.BacklogProbes, sleepers, ct);

        var latencies = await ReadAsync(dataSource, ProbeLatenciesSql, since, ct);
        var done = await ReadAsync(dataSource, ProbeDoneSql, since, ct);
        var (calls, claimMean) = statements is null ? (0L, double.NaN) : await ClaimStatsAsync(dataSource, ct);
        var point = new Dictionary<string, double>
        {
            [sleepers ? "sleeping_runs" : "queued_runs"] = runs,
            ["enqueue_to_start_p50_ms"] = Percentiles.Of(latencies, 50),
            ["enqueue_to_start_p99_ms"] = Percentiles.Of(latencies, 99),
            ["enqueue_to_done_p50_ms"] = Percentiles.Of(done, 50),
            ["enqueue_to_done_p99_ms"] = Percentiles.Of(done, 99),
            ["claim_mean_ms"] = claimMean,
            ["claims"] = calls,
        };
        if (kind == "queued")
        {
            var drained = (await ReadAsync(dataSource, BacklogDrainSql, since, ct)).FirstOrDefault();
            point["drain_runs_per_s"] = drained > 0 ? runs / drained : double.NaN;
        }

        progress.Line($"backlog: {runs,7} {kind,-8}: probes' enqueue -> start p50 {point["enqueue_to_start_p50_ms"]:0.00} ms, " +
                      $"p99 {point["enqueue_to_start_p99_ms"]:0.00} ms, to done p50 {point["enqueue_to_done_p50_ms"]:0.00} ms; claim mean {claimMean:0.000} ms over {calls} claims" +
                      (point.TryGetValue("drain_runs_per_s", out var rate) ? $"; backlog drained at {rate:0} runs/s" : "") +
                      $" ({clock.Elapsed.TotalSeconds:0} s)");
        return point;
    }

    /// <summary>Enqueues the probes, then waits for them and (unless asleep) the backlog to finish.</summary>
    private static async Task ProbeAsync(NpgsqlDataSource dataSource, WorkflowClient client, int probes, bool backlogSleeps, CancellationToken ct)
    {
        var input = DemoRuns.Input(0, 0);
        for (var i = 0; i < probes; i++)
        {
            await client.EnqueueAsync(new EnqueueRequest(DemoRuns.Workflow, input, Priority: ProbePriority), ct);
            await Task.Delay(Gap, ct);
        }

        await WaitUntilDrainedAsync(dataSource, backlogSleeps ? ProbePriority : 0, ct);
    }

    private static async Task WaitUntilDrainedAsync(NpgsqlDataSource dataSource, int lowestPriority, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using var command = dataSource.CreateCommand(UnfinishedSql);
            command.Parameters.Add(new NpgsqlParameter("lowest", lowestPriority));
            if ((long)(await command.ExecuteScalarAsync(ct))! == 0)
                return;
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException("The backlog did not drain within 10 minutes.");
            await Task.Delay(100, ct);
        }
    }

    private static async Task<List<double>> ReadAsync(NpgsqlDataSource dataSource, string sql, DateTime since, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("since", since));
        command.Parameters.Add(new NpgsqlParameter("priority", ProbePriority));
        var values = new List<double>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            values.Add(reader.IsDBNull(0) ? double.NaN : reader.GetDouble(0));
        return values;
    }

    private static async Task<(long Calls, double MeanMs)> ClaimStatsAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(ClaimStatsSql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetDouble(1));
    }
}
