using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Demo;
using Exp22.Harness.Services;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// The seed's shape without delays: R runs × 6 sub-workflows × 5 no-op steps, enqueued through the
/// engine's client and drained by executor processes. The window runs from the first enqueue to the last
/// completion, both read from the database's clock.
/// </summary>
public static class StepThroughput
{
    private const int SubWorkflows = 6;
    private const int StepsPerWorkflow = 5;
    private const int WarmupBatch = 50;

    public static async Task RunAsync(
        BenchDatabase database, BenchOptions options, int executorCount, string suffix, Figures figures, Progress progress,
        CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync($"steps{executorCount}", ct);
        progress.Line($"steps ({executorCount} executor(s), concurrency {options.Concurrency} each): starting executors");
        var executors = await ExecutorFleet.StartAsync(connectionString, executorCount, options.Concurrency, options.ExecutorEnvironment, ct);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var runs = new DemoLoad(dataSource, progress);
            var input = DemoRuns.Input(SubWorkflows, StepsPerWorkflow);

            // Tiered compilation (with its PGO instrumentation) and the connection pools reach a long-running
            // executor's steady state before the window opens; on a loaded machine that takes seconds.
            var warmupRuns = 0;
            var warmup = System.Diagnostics.Stopwatch.StartNew();
            progress.Line($"steps ({executorCount} executor(s)): warming up for {options.WarmupSeconds} s");
            while (warmup.Elapsed < TimeSpan.FromSeconds(options.WarmupSeconds))
            {
                await runs.EnqueueManyAsync(WarmupBatch, input, 4, ct);
                warmupRuns += WarmupBatch;
                await runs.WaitForRunsAsync(warmupRuns, TimeSpan.FromMinutes(2), ct);
            }

            var since = await ServerNowAsync(dataSource, ct);
            var statements = options.ShowStatements ? await StatementStats.ResetAsync(dataSource, ct) : null;
            var commitsBefore = await CommitsAsync(dataSource, ct);
            var cpuBefore = CpuSample(database, executors);
            var tablesBefore = await TableActivity.ReadAsync(dataSource, ct);
            var lockWaits = LockWaits.Start(dataSource);

            progress.Line($"steps ({executorCount} executor(s)): {options.Runs} runs x {SubWorkflows} x {StepsPerWorkflow} steps");
            await runs.EnqueueManyAsync(options.Runs, input, 8, ct);
            var succeeded = await runs.WaitForRunsAsync(warmupRuns + options.Runs, TimeSpan.FromMinutes(30), ct) - warmupRuns;

            await lockWaits.DisposeAsync();
            var seconds = await WindowSecondsAsync(dataSource, since, ct);
            var hotRatio = (await TableActivity.ReadAsync(dataSource, ct))["workflows"].HotRatioSince(tablesBefore["workflows"]);
            var (activeBackends, waitingBackends) = lockWaits.Means;
            var (executorCpu, serverCpu) = CpuSample(database, executors);
            var commits = await CommitsAsync(dataSource, ct) - commitsBefore;
            var steps = (double)options.Runs * SubWorkflows * StepsPerWorkflow;
            var stepsPerSecond = steps / seconds;

            figures.Add($"runs_per_s{suffix}", options.Runs / seconds, 1);
            figures.Add($"workflows_per_s{suffix}", options.Runs * (SubWorkflows + 1) / seconds, 1);
            figures.Add($"steps_per_s{suffix}", stepsPerSecond, 0);
            if (suffix.Length == 0)
            {
                figures.Add("runs", options.Runs);
                figures.Add("runs_succeeded", succeeded);
                if (figures.TryGet("pgbench_tps", out var ceiling))
                    figures.Add("steps_fraction_of_pgbench", stepsPerSecond / ceiling, 3);
                figures.Add("commits_per_step", commits / steps, 2);
                figures.Add("executor_cpu_ms_per_step", (executorCpu - cpuBefore.Executors) * 1000 / steps, 3);
                if (database.ServerProcessId is not null)
                    figures.Add("postgres_cpu_ms_per_step", (serverCpu - cpuBefore.Server) * 1000 / steps, 3);
                figures.Add("workflows_hot_update_ratio", hotRatio, 3);
                figures.Add("backends_active_mean", activeBackends, 2);
                figures.Add("backends_waiting_for_locks_mean", waitingBackends, 2);
                if (statements is not null)
                    figures.Add("statements_per_step", await statements.CallsAsync(dataSource, ct) / steps, 2);
            }

            progress.Line(
                $"steps ({executorCount} executor(s)): {succeeded}/{options.Runs} runs SUCCESS in {seconds:0.00} s: " +
                $"{stepsPerSecond:0} steps/s, {options.Runs / seconds:0.0} runs/s, {commits / steps:0.00} commits per step, " +
                $"CPU per step {(executorCpu - cpuBefore.Executors) * 1000 / steps:0.000} ms executor(s)" +
                (database.ServerProcessId is null ? "" : $", {(serverCpu - cpuBefore.Server) * 1000 / steps:0.000} ms PostgreSQL"));
            progress.Line($"  HOT updates of exp22.workflows: {hotRatio:0.00} of its updates; backends running a statement: " +
                          $"{activeBackends:0.0} on average, {waitingBackends:0.0} of them waiting for a lock, most often in:");
            foreach (var (where, share) in lockWaits.Top(3))
                progress.Line($"    {share,5:P0}  {where}");
            await PrintTimeSplitAsync(dataSource, since, progress, ct);
            if (statements is not null)
                await statements.PrintTopAsync(dataSource, steps, progress, ct);
        }
        finally
        {
            await ExecutorFleet.StopAsync(executors);
        }
    }

    private static (double Executors, double Server) CpuSample(BenchDatabase database, List<ServiceProcess> executors) =>
        (executors.Sum(e => CpuTime.Of(e.Pid)),
         database.ServerProcessId is { } postmaster ? CpuTime.OfChildren(postmaster) : 0);

    private static async Task<DateTime> ServerNowAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        return (DateTime)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<double> WindowSecondsAsync(NpgsqlDataSource dataSource, DateTime since, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT extract(epoch FROM max(completed_at) - min(created_at))::float8
            FROM exp22.workflows
            WHERE parent_id IS NULL AND created_at >= @since
            """);
        command.Parameters.Add(new NpgsqlParameter("since", since));
        return (double)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Where a workflow's wall-clock time goes: waiting in the queue, executing, and each step until its checkpoint.</summary>
    private static async Task PrintTimeSplitAsync(NpgsqlDataSource dataSource, DateTime since, Progress progress, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT avg(extract(epoch FROM w.claimed_at - w.created_at)) FILTER (WHERE w.parent_id IS NOT NULL) * 1000,
                   avg(extract(epoch FROM w.completed_at - w.claimed_at)) FILTER (WHERE w.parent_id IS NOT NULL) * 1000,
                   avg(extract(epoch FROM w.completed_at - w.created_at)) FILTER (WHERE w.parent_id IS NULL) * 1000,
                   (SELECT avg(extract(epoch FROM s.completed_at - s.started_at)) * 1000
                    FROM exp22.steps s JOIN exp22.workflows c ON c.id = s.workflow_id
                    WHERE c.created_at >= @since)
            FROM exp22.workflows w
            WHERE w.created_at >= @since
            """);
        command.Parameters.Add(new NpgsqlParameter("since", since));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        progress.Line($"  mean times: sub-workflow queued {reader.GetDouble(0):0.0} ms, executing {reader.GetDouble(1):0.0} ms " +
                      $"(a step until its checkpoint statement starts: {reader.GetDouble(3):0.00} ms); run end to end {reader.GetDouble(2):0} ms");
    }

    private static async Task<long> CommitsAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        // The statistics snapshot is per transaction: clear it so the counter is current.
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_stat_clear_snapshot()"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetInt64(0);
    }
}
