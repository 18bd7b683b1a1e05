using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Demo;
using Exp22.Harness.Services;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// SIGTERM to an executor whose workflows outlast its completion timeout: how long until it exits, and
/// how long from its handover (the queue notification it sends) until the other executor has claimed
/// each handed-over workflow. Both instants are on this machine's clock (the database's is the same one).
/// </summary>
public static class DrainTiming
{
    private const int Runs = 4;
    private const int SubWorkflows = 2;
    private const int Steps = 3;
    private const int StepDelayMs = 3000;

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("drain", ct);
        var timeout = options.DrainCompletionTimeout;
        var drainSettings = new Dictionary<string, string>(options.ExecutorEnvironment)
        {
            ["Workflows__WorkflowCompletionTimeout"] = timeout.ToString("c", CultureInfo.InvariantCulture),
        };
        progress.Line($"drain: executor 1 takes {Runs} runs x {SubWorkflows} sub-workflows x {Steps} steps of {StepDelayMs} ms " +
                      $"(completion timeout {timeout.TotalSeconds:0} s)");
        var first = await ExecutorFleet.StartAsync(connectionString, 1, options.Concurrency, drainSettings, ct);
        var executors = new List<ServiceProcess>(first);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var runs = new DemoLoad(dataSource, progress);
            await runs.EnqueueManyAsync(Runs, DemoRuns.Input(SubWorkflows, Steps, StepDelayMs, StepDelayMs), 1, ct);
            await WaitForRunningSubWorkflowsAsync(dataSource, Runs * SubWorkflows, ct);
            executors.AddRange(await ExecutorFleet.StartAsync(connectionString, 1, options.Concurrency, drainSettings, ct, firstIndex: 2));

            await using var listener = await QueueListener.StartAsync(connectionString, ct);
            var signalledAt = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            first[0].Terminate();
            var exitCode = await first[0].WaitForExitAsync(timeout + TimeSpan.FromSeconds(30));
            var exitSeconds = clock.Elapsed.TotalSeconds;
            progress.Line($"drain: executor 1 exited with code {exitCode} {exitSeconds:0.00} s after SIGTERM");

            var succeeded = await runs.WaitForRunsAsync(Runs, TimeSpan.FromMinutes(2), ct);
            var handedOverAt = listener.FirstAfter(signalledAt)
                ?? throw new InvalidOperationException("No queue notification followed the SIGTERM: nothing was handed over.");
            var resumes = await ResumeLatenciesAsync(dataSource, handedOverAt, ct);

            figures.Add("drain_exit_s", exitSeconds, 2);
            figures.Add("drain_exit_code", exitCode);
            figures.Add("drain_completion_timeout_s", timeout.TotalSeconds, 1);
            figures.Add("drain_handed_over", resumes.Count);
            figures.Add("handover_to_resume_p50_ms", Percentiles.Of(resumes, 50), 2);
            figures.Add("handover_to_resume_max_ms", resumes.Count == 0 ? double.NaN : resumes.Max(), 2);
            figures.Add("drain_runs_succeeded", succeeded);
            progress.Line($"drain: {resumes.Count} workflow(s) handed over; resumed by executor 2 after p50 {Percentiles.Of(resumes, 50):0.0} ms, " +
                          $"max {(resumes.Count == 0 ? double.NaN : resumes.Max()):0.0} ms; {succeeded}/{Runs} runs SUCCESS");
        }
        finally
        {
            await ExecutorFleet.StopAsync(executors);
        }
    }

    private static async Task WaitForRunningSubWorkflowsAsync(NpgsqlDataSource dataSource, int expected, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using var command = dataSource.CreateCommand(
                "SELECT count(*) FROM exp22.workflows WHERE parent_id IS NOT NULL AND status = 'RUNNING' AND executor_id IS NOT NULL");
            if ((long)(await command.ExecuteScalarAsync(ct))! >= expected)
                return;
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"The first executor did not start all {expected} sub-workflows within 60 s.");
            await Task.Delay(50, ct);
        }
    }

    private static async Task<List<double>> ResumeLatenciesAsync(NpgsqlDataSource dataSource, DateTime handedOverAt, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT extract(epoch FROM claimed_at - @handed_over_at)::float8 * 1000
            FROM exp22.workflows
            WHERE parent_id IS NOT NULL AND attempt >= 2 AND executor_id = 'bench-executor-2'
            """);
        command.Parameters.Add(new NpgsqlParameter("handed_over_at", handedOverAt));
        var latencies = new List<double>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            latencies.Add(reader.GetDouble(0));
        return latencies;
    }

    /// <summary>Records when each queue notification reaches this process.</summary>
    private sealed class QueueListener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<DateTime> _arrivals = new();
        private Task _loop = Task.CompletedTask;

        private QueueListener(NpgsqlConnection connection) => _connection = connection;

        public static async Task<QueueListener> StartAsync(string connectionString, CancellationToken ct)
        {
            var connection = new NpgsqlConnection(BenchDatabase.Unpooled(connectionString));
            await connection.OpenAsync(ct);
            var listener = new QueueListener(connection);
            connection.Notification += (_, _) => listener._arrivals.Enqueue(DateTime.UtcNow);
            await using (var listen = new NpgsqlCommand("LISTEN exp22_enqueued", connection))
                await listen.ExecuteNonQueryAsync(ct);
            listener._loop = listener.LoopAsync();
            return listener;
        }

        private async Task LoopAsync()
        {
            try
            {
                while (true)
                    await _connection.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        public DateTime? FirstAfter(DateTime instant) =>
            _arrivals.Where(a => a >= instant).Order().Cast<DateTime?>().FirstOrDefault();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            await _connection.DisposeAsync();
            _stop.Dispose();
        }
    }
}
