using System.Globalization;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Exp22.Harness.Demo;
using Exp22.Harness.Services;
using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Npgsql;

namespace Exp22.Tests.Processes;

/// <summary>The executor as the user runs it: real processes, real signals, the seed's demo workflows.</summary>
public sealed partial class ExecutorProcessTests
{
    private static Dictionary<string, string> ExecutorEnvironment(string database, string id, string completionTimeout = "00:00:10") => new()
    {
        ["ConnectionStrings__exp22db"] = database,
        ["Workflows__ExecutorId"] = id,
        ["Workflows__WorkflowCompletionTimeout"] = completionTimeout,
        ["Workflows__HeartbeatInterval"] = "00:00:00.500",
        ["Workflows__HeartbeatTimeout"] = "00:00:03",
    };

    /// <summary>A fresh database, a client on it, and two executor processes ready to work.</summary>
    private sealed class Fleet(WorkflowClient client, NpgsqlDataSource dataSource, ServiceProcess one, ServiceProcess two)
        : IAsyncDisposable
    {
        public WorkflowClient Client => client;

        public ServiceProcess One => one;

        public ServiceProcess Two => two;

        public static async Task<Fleet> StartAsync(string completionTimeout = "00:00:10", [CallerMemberName] string test = "")
        {
            var database = await TestPostgres.CreateDatabaseAsync(test);
            var (client, dataSource) = await ClientAsync(database);
            var one = ServiceProcess.Start("Exp22.Executor", "exp22-executor-1", ExecutorEnvironment(database, "exp22-executor-1", completionTimeout));
            var two = ServiceProcess.Start("Exp22.Executor", "exp22-executor-2", ExecutorEnvironment(database, "exp22-executor-2", completionTimeout));
            await Task.WhenAll(one.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)), two.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));
            return new Fleet(client, dataSource, one, two);
        }

        public async ValueTask DisposeAsync()
        {
            await one.DisposeAsync();
            await two.DisposeAsync();
            await dataSource.DisposeAsync();
        }
    }

    private static async Task<Guid> EnqueueDemoAsync(WorkflowClient client, int subWorkflows, int steps, int minDelayMs, int maxDelayMs)
    {
        var input = DemoRuns.Input(subWorkflows, steps, minDelayMs, maxDelayMs);
        return (await client.EnqueueAsync(new EnqueueRequest(DemoRuns.Workflow, input), CancellationToken.None)).RunId;
    }

    private static async Task<(WorkflowClient Client, NpgsqlDataSource DataSource)> ClientAsync(string database)
    {
        var dataSource = NpgsqlDataSource.Create(database);
        await new Workflows.Schema.SchemaMigrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Workflows.Schema.SchemaMigrator>.Instance)
            .MigrateAsync(CancellationToken.None);
        return (new WorkflowClient(dataSource), dataSource);
    }

    [GeneratedRegex(@"Executing step (\d+)/\d+ of sub-workflow (\d+) \(run ([0-9a-f-]+)")]
    private static partial Regex StepLine();

    /// <summary>(sub-workflow, step) → how many times the executors' logs show it executing.</summary>
    private static Dictionary<(int Sub, int Step), int> StepExecutions(Guid runId, params ServiceProcess[] executors) =>
        executors.SelectMany(e => e.Lines)
            .Select(line => StepLine().Match(line))
            .Where(m => m.Success && Guid.Parse(m.Groups[3].Value) == runId)
            .GroupBy(m => (int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
            .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// A step may run twice only when its first execution was interrupted before its checkpoint: then
    /// the checkpoint must be the resuming executor's. A step checkpointed by the first executor and run
    /// again would break the engine's promise.
    /// </summary>
    private static void AssertNoCheckpointedStepRanAgain(WorkflowNode run, Dictionary<(int Sub, int Step), int> executions, string survivor)
    {
        foreach (var sub in run.Children)
        {
            foreach (var step in sub.Steps)
            {
                var key = (sub.ChildIndex!.Value + 1, int.Parse(step.Name["step-".Length..], CultureInfo.InvariantCulture));
                var count = executions.GetValueOrDefault(key);
                Assert.InRange(count, 1, 2);
                if (count == 2)
                    Assert.Equal(survivor, step.ExecutorId);
            }
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task The_seed_scenario_sigterm_a_second_in_drains_exits_zero_and_the_run_succeeds()
    {
        await using var fleet = await Fleet.StartAsync();
        var (client, one, two) = (fleet.Client, fleet.One, fleet.Two);

        var runId = await EnqueueDemoAsync(client, subWorkflows: 2, steps: 5, 500, 1500);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var stopwatch = Stopwatch.StartNew();
        one.Terminate();
        var exitCode = await one.WaitForExitAsync(TimeSpan.FromSeconds(20));
        stopwatch.Stop();
        var run = await client.UntilFinishedAsync(runId, TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(12), $"drain took {stopwatch.Elapsed}");
        Assert.Equal(WorkflowStatus.Success, run.Status);
        Assert.Contains(one.Lines, l => l.Contains("Drain started"));
        Assert.Contains(one.Lines, l => l.Contains("Drain complete"));
        Assert.All(run.Children, c => Assert.Equal(5, c.Steps.Count));
        AssertNoCheckpointedStepRanAgain(run, StepExecutions(runId, one, two), "exp22-executor-2");
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Steps_longer_than_the_completion_timeout_are_handed_over_on_sigterm_and_finished_by_the_other()
    {
        await using var fleet = await Fleet.StartAsync(completionTimeout: "00:00:02");
        var (client, one, two) = (fleet.Client, fleet.One, fleet.Two);

        var runId = await EnqueueDemoAsync(client, subWorkflows: 2, steps: 2, 4000, 4000);
        await Eventually.TrueAsync(() => StepExecutions(runId, one, two).Count == 2, TimeSpan.FromSeconds(20), "both first steps to start");
        var holder = one.Lines.Any(l => StepLine().Match(l) is { Success: true } m && Guid.Parse(m.Groups[3].Value) == runId) ? one : two;
        var other = holder == one ? two : one;
        holder.Terminate();

        Assert.Equal(0, await holder.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        var run = await client.UntilFinishedAsync(runId, TimeSpan.FromSeconds(60));
        Assert.Equal(WorkflowStatus.Success, run.Status);
        Assert.Contains(holder.Lines, l => l.Contains("handed") && l.Contains("back to the queue"));
        Assert.Contains(run.Children.SelectMany(c => c.Steps), s => s.ExecutorId == other.Name);
        AssertNoCheckpointedStepRanAgain(run, StepExecutions(runId, one, two), other.Name);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_sigkilled_executor_work_is_finished_by_the_survivor_within_the_heartbeat_bound()
    {
        await using var fleet = await Fleet.StartAsync();
        var (client, one, two) = (fleet.Client, fleet.One, fleet.Two);

        var runId = await EnqueueDemoAsync(client, subWorkflows: 4, steps: 4, 300, 600);
        await Eventually.TrueAsync(() => StepExecutions(runId, one, two).Count >= 2, TimeSpan.FromSeconds(20), "steps to run");
        var victim = StepExecutions(runId, one).Count > 0 ? one : two;
        var survivor = victim == one ? two : one;
        victim.Kill();
        var killedAt = Stopwatch.StartNew();
        var run = await client.UntilFinishedAsync(runId, TimeSpan.FromSeconds(60));

        Assert.Equal(WorkflowStatus.Success, run.Status);
        // Heartbeat timeout 3 s + interval 0.5 s, then at most 4 steps of 0.6 s.
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(15), $"took {killedAt.Elapsed}");
        Assert.Contains(survivor.Lines, l => l.Contains("re-enqueued") && l.Contains("silent"));
        AssertNoCheckpointedStepRanAgain(run, StepExecutions(runId, one, two), survivor.Name);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_draining_executor_fails_readiness_but_stays_live_and_reports_draining()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var (client, dataSource) = await ClientAsync(database);
        await using var _ = dataSource;
        await using var executor = ServiceProcess.Start("Exp22.Executor", "executor", ExecutorEnvironment(database, "exp22-executor-1"));
        await executor.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = executor.BaseAddress };

        var runId = await EnqueueDemoAsync(client, subWorkflows: 1, steps: 1, 5000, 5000);
        await executor.WaitForLineAsync(l => l.Contains("Executing step 1/1"), TimeSpan.FromSeconds(20));
        executor.Terminate();
        await executor.WaitForLineAsync(l => l.Contains("Drain started"), TimeSpan.FromSeconds(5));

        var ready = await http.GetAsync("/health/ready");
        var live = await http.GetAsync("/health/live");
        var status = await http.GetStringAsync("/status");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Contains("\"state\":\"draining\"", status);
        Assert.Contains($"\"runId\":\"{runId}\"", status);
        Assert.Equal(0, await executor.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }
}
