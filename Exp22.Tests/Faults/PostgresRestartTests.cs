using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exp22.Harness.Services;
using Exp22.Workflows;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.Faults;

/// <summary>
/// PostgreSQL restarted under running services (fast shutdown, then a start on the same data directory
/// and port): the API and the executors carry on without being restarted, and every run completes.
/// </summary>
[Collection(FaultTests.Collection)]
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    internal static IReadOnlyDictionary<string, string> ExecutorEnvironment(string database, string executorId) => new Dictionary<string, string>
    {
        ["ConnectionStrings__exp22db"] = database,
        ["Workflows__ExecutorId"] = executorId,
        ["Workflows__HeartbeatInterval"] = "00:00:00.500",
        ["Workflows__HeartbeatTimeout"] = "00:00:03",
    };

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Api_and_executors_ride_out_a_fast_restart_and_every_run_completes()
    {
        await using var postgres = await RestartablePostgres.StartAsync();
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = postgres.ConnectionString,
        });
        await using var fleet = await ExecutorFleet.StartAsync(2, id => ExecutorEnvironment(postgres.ConnectionString, id));
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var before = new List<Guid>();
        for (var i = 0; i < 6; i++)
            before.Add(await StartRunAsync(http, subWorkflows: 3, steps: 4));
        await WaitForStepExecutionsAsync(fleet, atLeast: 6);

        var clock = Stopwatch.StartNew();
        await postgres.StopAsync();
        var stoppedAfter = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await postgres.StartAgainAsync();
        var downFor = clock.Elapsed - stoppedAfter;
        var linesAtReturn = fleet.All.ToDictionary(p => p, p => p.Process.Lines.Count);

        var (after, refusals) = await StartRunsAfterRestartAsync(http, count: 3);
        var apiBackAfter = clock.Elapsed - stoppedAfter - downFor;
        var runs = before.Concat(after).ToList();
        await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        var statuses = await FaultRuns.UntilAllFinishedAsync(dataSource, runs, TimeSpan.FromSeconds(90));
        var audit = await CheckpointAudit.RunAsync(dataSource, runs, fleet.All, expectedSteps: runs.Count * 3 * 4,
            e => e.Line < linesAtReturn[e.Process], "the restart");

        output.WriteLine($"PostgreSQL down for {downFor.TotalSeconds:0.0} s; the API took new runs {apiBackAfter.TotalSeconds:0.0} s " +
                         $"after it was back ({refusals} request(s) refused with 503 meanwhile)");
        output.WriteLine($"Workflows: {FaultRuns.Describe(statuses)}; steps: {audit.Checkpoints.Count} checkpoints, " +
                         $"{audit.RepeatedExecutions} repeated executions; {audit.Violations.Count} violations");
        foreach (var line in fleet.All.SelectMany(p => p.Process.Lines.Where(IsFaultLine).Select(l => $"  {p}: {l}")).Take(30))
            output.WriteLine(line);
        foreach (var violation in audit.Violations.Take(20))
            output.WriteLine("  VIOLATION " + violation);

        Assert.False(api.HasExited, "the API exited");
        Assert.All(fleet.All, p => Assert.False(p.Process.HasExited, $"{p} exited"));
        Assert.Equal(2, fleet.All.Count);
        Assert.All(fleet.All, p => Assert.Contains(p.Process.Lines, l => l.Contains("Notification connection lost")));
        Assert.Equal(runs.Count * 4, statuses.GetValueOrDefault(WorkflowStatus.Success));
        Assert.Equal(WorkflowStatus.Success, Assert.Single(statuses.Keys));
        Assert.Empty(audit.Violations);
    }

    internal static bool IsFaultLine(string line) =>
        line.Contains("warn:", StringComparison.Ordinal) || line.Contains("fail:", StringComparison.Ordinal)
        || line.Contains("crit:", StringComparison.Ordinal) || line.Contains("again", StringComparison.Ordinal);

    internal static async Task WaitForStepExecutionsAsync(ExecutorFleet fleet, int atLeast)
    {
        await Engine.Eventually.TrueAsync(
            () => fleet.All.Sum(p => p.Process.Lines.Count(l => l.Contains("Executing step"))) >= atLeast,
            TimeSpan.FromSeconds(30), $"{atLeast} step executions");
    }

    private static async Task<Guid> StartRunAsync(HttpClient http, int subWorkflows, int steps)
    {
        var response = await http.PostAsJsonAsync("/runs", new { subWorkflows, stepsPerWorkflow = steps, stepDelayMs = new { min = 200, max = 400 } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
    }

    /// <summary>
    /// New runs through the API once the database is back. Requests the API refuses with 503 while its
    /// pool still holds connections to the old server are retried, as a client honouring Retry-After would.
    /// </summary>
    private static async Task<(List<Guid> Runs, int Refusals)> StartRunsAfterRestartAsync(HttpClient http, int count)
    {
        var runs = new List<Guid>();
        var refusals = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (runs.Count < count)
        {
            var response = await http.PostAsJsonAsync("/runs", new { subWorkflows = 3, stepsPerWorkflow = 4, stepDelayMs = new { min = 200, max = 400 } });
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                refusals++;
                await Task.Delay(250);
                continue;
            }

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            runs.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid());
        }

        return (runs, refusals);
    }
}
