using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Exp22.Harness.Demo;
using Exp22.Tests.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.AppHost;

/// <summary>
/// The app model as Aspire runs it (DCP, the dashboard, the services from their projects), driven through
/// Aspire.Hosting.Testing: it gets healthy, the seed's run succeeds as one trace, and the dashboard's "Drain"
/// drains an executor to Finished with exit code 0 while its run still succeeds.
/// </summary>
[Collection(AspireAppCollectionDefinition.Name)]
[Trait("Category", "Slow")]
public sealed class AppModelTests(AspireAppFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    private AspireApp App => fixture.App;

    [Fact]
    public async Task Every_resource_is_healthy_and_the_seeds_run_succeeds_as_one_trace_from_the_api()
    {
        foreach (var resource in AspireApp.Resources)
            Assert.Equal((resource, HealthStatus.Healthy), (resource, (await App.SnapshotAsync(resource)).HealthStatus));
        // The shutdown timings each service runs with are in its environment, shown by the dashboard.
        var executor = await App.SnapshotAsync("executor-1");
        var api = await App.SnapshotAsync("api");
        Assert.Contains(executor.EnvironmentVariables, v => v is { Name: "Workflows__WorkflowCompletionTimeout", Value: "00:00:10" });
        Assert.Contains(executor.EnvironmentVariables, v => v is { Name: "HostOptions__ShutdownTimeout", Value: "00:00:30" });
        Assert.Contains(api.EnvironmentVariables, v => v is { Name: "Shutdown__DrainDelay", Value: "00:00:05" });
        Assert.Contains(api.EnvironmentVariables,
            v => v.Name == "WorkflowsDashboard__TraceUrlTemplate" && v.Value == $"{App.Dashboard!.ToString().TrimEnd('/')}/traces/detail/{{traceId}}");

        using var http = App.CreateHttpClient("api");
        Assert.NotEqual(8000, http.BaseAddress!.Port);
        using var seed = await http.GetAsync(DemoRuns.SeedPath(subWorkflows: 2, steps: 3));
        Assert.Equal(HttpStatusCode.Accepted, seed.StatusCode);
        var runId = (await seed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var run = await ApiRuns.WaitUntilFinishedAsync(http, runId, RunTimeout);
        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());
        Assert.Equal(6, run.GetProperty("progress").GetProperty("stepsDone").GetInt32());

        await using var database = await DataSourceAsync();
        var traceId = await new RunDatabase(database).TraceIdAsync(runId);
        var trace = await DashboardTraces.WaitForAsync(App.Dashboard!, traceId,
            spans => spans.Count(s => s.Name.StartsWith("step ", StringComparison.Ordinal)) == 6
                     && spans.Count(s => s.Name == "workflow demo-sub") == 2
                     && spans.Any(s => s.Name == "workflow demo-run"),
            TimeSpan.FromSeconds(60));
        var root = Assert.Single(DashboardTraces.Roots(trace));
        Assert.Equal(("api", "GET /"), (root.Resource, root.Name));
        Assert.Contains(trace, s => s is { Resource: "api", Name: "enqueue demo-run" });
        Assert.All(trace.Where(s => s.Name.StartsWith("workflow ", StringComparison.Ordinal) || s.Name.StartsWith("step ", StringComparison.Ordinal)),
            s => Assert.StartsWith("executor-", s.Resource));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Drain_on_the_busy_executor_ends_it_finished_with_exit_code_0_and_its_run_succeeds_without_rerunning_a_checkpointed_step()
    {
        using var api = App.CreateHttpClient("api");
        // Longer than the 10 s completion timeout: the drain must hand work over.
        var runId = await ApiRuns.StartAsync(api, subWorkflows: 4, steps: 5, minDelayMs: 3000, maxDelayMs: 3500);
        var busy = await App.BusyExecutorAsync();
        var survivor = busy == "executor-1" ? "executor-2" : "executor-1";

        try
        {
            await DrainAsync(runId, busy, survivor);
        }
        finally
        {
            await App.StartAgainAsync(busy);
        }
    }

    private async Task DrainAsync(Guid runId, string busy, string survivor)
    {
        using var api = App.CreateHttpClient("api");
        var clock = Stopwatch.StartNew();
        var result = await App.App.ResourceCommands.ExecuteCommandAsync(busy, "drain");
        Assert.True(result.Success, result.Message);
        var finished = await App.Notifications.WaitForResourceAsync(busy,
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        output.WriteLine($"{busy}: Drain → {finished.Snapshot.State?.Text} (exit {finished.Snapshot.ExitCode}) in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal((KnownResourceStates.Finished, 0), (finished.Snapshot.State?.Text, finished.Snapshot.ExitCode));

        var log = await App.ConsoleLogAsync(busy);
        foreach (var line in log.Where(l => l.Contains("Drain")))
            output.WriteLine(line);
        Assert.Contains(log, l => l.Contains("Drain started"));
        Assert.Contains(log, l => l.Contains("handed") && l.Contains("back to the queue"));
        Assert.Contains(log, l => l.Contains("Drain complete"));

        var run = await ApiRuns.WaitUntilFinishedAsync(api, runId, RunTimeout);
        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());
        await AssertNoCheckpointedStepRanAgainAsync(runId, busy, survivor);

        // One trace, from the API's request through both executors: the drained one and the one that took over.
        await using var database = await DataSourceAsync();
        var traceId = await new RunDatabase(database).TraceIdAsync(runId);
        var trace = await DashboardTraces.WaitForAsync(App.Dashboard!, traceId,
            spans => spans.Any(s => s.Resource == busy) && spans.Any(s => s.Resource == survivor), TimeSpan.FromSeconds(60));
        Assert.Equal("api", Assert.Single(DashboardTraces.Roots(trace)).Resource);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Stop_on_postgres_is_a_fast_shutdown_its_database_follows_and_the_services_recover_when_it_starts_again()
    {
        using var timeout = new CancellationTokenSource(AspireApp.StartTimeout);
        var clock = Stopwatch.StartNew();
        var stop = await App.App.ResourceCommands.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand, timeout.Token);
        Assert.True(stop.Success, stop.Message);
        // SIGTERM alone is PostgreSQL's smart shutdown, which waits for the services' pooled connections
        // and ends in the orchestrator's SIGKILL 6 s later: the AppHost turns it into a fast shutdown.
        var stopped = await App.Notifications.WaitForResourceAsync("postgres",
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
        output.WriteLine($"postgres: Stop → {stopped.Snapshot.State?.Text} (exit {stopped.Snapshot.ExitCode}) in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal((KnownResourceStates.Finished, 0), (stopped.Snapshot.State?.Text, stopped.Snapshot.ExitCode));
        Assert.Contains(await App.ConsoleLogAsync("postgres"), l => l.Contains("fast shutdown request"));
        await App.Notifications.WaitForResourceAsync("exp22db", KnownResourceStates.Finished, timeout.Token);

        await App.StartAgainAsync("postgres");
        await App.Notifications.WaitForResourceHealthyAsync("exp22db", timeout.Token);
        // The services were never restarted: their pools let go of the old server's connections, then serve again.
        using var api = App.CreateHttpClient("api");
        var runId = Guid.Empty;
        await Eventually.TrueAsync(async () =>
        {
            using var seed = await api.GetAsync(DemoRuns.SeedPath(subWorkflows: 1, steps: 1));
            if (seed.StatusCode != HttpStatusCode.Accepted)
                return false;
            runId = (await seed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
            return true;
        }, TimeSpan.FromSeconds(60), "the API to accept a run once PostgreSQL is back");
        Assert.Equal("SUCCESS", (await ApiRuns.WaitUntilFinishedAsync(api, runId, RunTimeout)).GetProperty("status").GetString());
    }

    private async Task AssertNoCheckpointedStepRanAgainAsync(Guid runId, params string[] executors)
    {
        await using var database = await DataSourceAsync();
        var checkpoints = await new RunDatabase(database).CheckpointsAsync(runId);
        Assert.Equal(4 * 5, checkpoints.Count);
        var executions = new List<(int Sub, int Step, string ExecutorId, int Attempt)>();
        foreach (var executor in executors)
            executions.AddRange(RunDatabase.StepExecutions(await App.ConsoleLogAsync(executor), runId));

        foreach (var ((sub, step), (executorId, attempt)) in checkpoints)
        {
            var ran = executions.Where(e => e.Sub == sub && e.Step == step).ToList();
            // Exactly one execution under the claim that checkpointed it, none under a later claim; an earlier
            // claim's execution is one the drain cut off before its checkpoint (steps are at-least-once).
            Assert.Single(ran, e => e.ExecutorId == executorId && e.Attempt == attempt);
            Assert.DoesNotContain(ran, e => e.Attempt > attempt);
        }
    }

    private Task<NpgsqlDataSource> DataSourceAsync() => App.DatabaseAsync();
}
