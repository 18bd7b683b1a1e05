using System.Globalization;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Exp22.Harness.Services;
using Exp22.Workflows;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.Faults;

/// <summary>
/// PostgreSQL fails over under running services: a primary with a synchronous hot standby, the API and
/// two executors on a multi-host connection string (Target Session Attributes=primary). Mid-run the
/// primary is SIGKILLed and the standby promoted; nobody is restarted, every run succeeds, every run the
/// API acknowledged exists, and no step whose checkpoint was acknowledged runs again.
/// </summary>
[Collection(FaultTests.Collection)]
public sealed partial class FailoverTests(ITestOutputHelper output)
{
    private const int SubWorkflows = 3;
    private const int Steps = 4;

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Services_ride_out_a_failover_to_the_standby_and_lose_nothing_acknowledged()
    {
        var setup = Stopwatch.StartNew();
        await using var postgres = await ReplicatedPostgres.StartAsync();
        var postgresReady = setup.Elapsed;
        var database = postgres.MultiHostConnectionString;
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = database,
        });
        await using var fleet = await ExecutorFleet.StartAsync(2, id => PostgresRestartTests.ExecutorEnvironment(database, id));
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var servicesReady = setup.Elapsed;
        var clock = Stopwatch.StartNew();
        var acknowledged = new List<Guid>();
        for (var i = 0; i < 6; i++)
            acknowledged.Add((await StartAsync(http, $"before-{i}")).RunId);
        await PostgresRestartTests.WaitForStepExecutionsAsync(fleet, atLeast: 8);
        var syncState = await postgres.SyncStateAsync();

        // A client keeps starting runs across the failover, retrying a refused start with the same key.
        using var stopStarting = new CancellationTokenSource();
        var during = StartRunsUntilAsync(http, clock, stopStarting.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var killedAt = clock.Elapsed;
        await postgres.KillPrimaryAsync();
        await Task.Delay(TimeSpan.FromSeconds(1)); // an HA manager's detection time
        await postgres.PromoteStandbyAsync();
        var promotedAt = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(4));
        await stopStarting.CancelAsync();
        var (duringRuns, refusals, firstAcceptedAfterKill) = await during;
        acknowledged.AddRange(duringRuns);

        await using var dataSource = NpgsqlDataSource.Create(postgres.StandbyConnectionString);
        var statuses = await FaultRuns.UntilAllFinishedAsync(dataSource, acknowledged, TimeSpan.FromSeconds(90));
        var finishedAt = clock.Elapsed;
        var present = await RunsPresentAsync(dataSource, acknowledged);
        var audit = await CheckpointAudit.RunAsync(dataSource, acknowledged, fleet.All, acknowledged.Count * SubWorkflows * Steps,
            execution => !CheckpointWasAcknowledged(execution), "the failover (its checkpoint was never acknowledged)");

        output.WriteLine($"Primary and synchronous standby ready in {postgresReady.TotalSeconds:0.0} s, services in " +
                         $"{(servicesReady - postgresReady).TotalSeconds:0.0} s more; replication before the failover: {syncState}; " +
                         $"every run finished {finishedAt.TotalSeconds:0.0} s after the first start");
        output.WriteLine($"Primary killed at {killedAt.TotalSeconds:0.0} s, standby promoted at {promotedAt.TotalSeconds:0.0} s; " +
                         $"the API accepted a run again {(firstAcceptedAfterKill - killedAt).TotalSeconds:0.0} s after the kill " +
                         $"({refusals} start(s) refused with 503 meanwhile, each retried with its key)");
        output.WriteLine($"Runs acknowledged: {acknowledged.Count} ({duringRuns.Count} across the failover), present after it: {present}; " +
                         $"workflows: {FaultRuns.Describe(statuses)}");
        output.WriteLine($"Steps: {audit.Checkpoints.Count} checkpoints, {audit.RepeatedExecutions} repeated executions " +
                         $"(none acknowledged); {audit.Violations.Count} violations");
        foreach (var line in fleet.All.SelectMany(p => p.Process.Lines.Where(PostgresRestartTests.IsFaultLine).Select(l => $"  {p}: {l}")).Take(30))
            output.WriteLine(line);
        foreach (var violation in audit.Violations.Take(20))
            output.WriteLine("  VIOLATION " + violation);

        Assert.Equal("sync", syncState);
        Assert.False(api.HasExited, "the API exited");
        Assert.Equal(2, fleet.All.Count);
        Assert.All(fleet.All, p => Assert.False(p.Process.HasExited, $"{p} exited"));
        Assert.NotEmpty(duringRuns);
        Assert.Equal(acknowledged.Count, present);
        Assert.Equal(acknowledged.Count * (1 + SubWorkflows), statuses.GetValueOrDefault(WorkflowStatus.Success));
        Assert.Equal(WorkflowStatus.Success, Assert.Single(statuses.Keys));
        Assert.Empty(audit.Violations);
    }

    private static async Task<(Guid RunId, HttpStatusCode Status)> StartAsync(HttpClient http, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/runs")
        {
            Content = JsonContent.Create(new { subWorkflows = SubWorkflows, stepsPerWorkflow = Steps, stepDelayMs = new { min = 200, max = 400 } }),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Accepted)
            return (Guid.Empty, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid(), response.StatusCode);
    }

    /// <summary>
    /// One start every 300 ms until cancelled. A 503 (or a timeout) is retried with the same
    /// Idempotency-Key until it is accepted, so each key ends as exactly one acknowledged run.
    /// </summary>
    private static async Task<(List<Guid> Runs, int Refusals, TimeSpan FirstAcceptedAfterKill)> StartRunsUntilAsync(
        HttpClient http, Stopwatch clock, CancellationToken stop)
    {
        var runs = new List<Guid>();
        var refusals = 0;
        var lastRefusal = TimeSpan.Zero;
        var firstAcceptedAfterRefusal = TimeSpan.Zero;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
            while (true)
            {
                (Guid RunId, HttpStatusCode Status) answer;
                try
                {
                    answer = await StartAsync(http, $"during-{i}");
                }
                catch (TaskCanceledException)
                {
                    answer = (Guid.Empty, HttpStatusCode.RequestTimeout);
                }

                if (answer.Status == HttpStatusCode.Accepted)
                {
                    runs.Add(answer.RunId);
                    if (refusals > 0 && firstAcceptedAfterRefusal == TimeSpan.Zero)
                        firstAcceptedAfterRefusal = clock.Elapsed;
                    break;
                }

                Assert.True(answer.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.RequestTimeout,
                    $"a start during the failover answered {(int)answer.Status}");
                Assert.True(clock.Elapsed < deadline, $"start during-{i} was refused for 60 s");
                refusals++;
                lastRefusal = clock.Elapsed;
                await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        }

        return (runs, refusals, firstAcceptedAfterRefusal == TimeSpan.Zero ? lastRefusal : firstAcceptedAfterRefusal);
    }

    private static async Task<int> RunsPresentAsync(NpgsqlDataSource dataSource, List<Guid> runIds)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*)::int FROM exp22.workflows WHERE id = ANY (@ids) AND parent_id IS NULL");
        command.Parameters.Add(new NpgsqlParameter("ids", runIds.ToArray()));
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Whether the process that ran this step went on past it in the same claim: a step returns only once
    /// its checkpoint has committed (and, replication being synchronous, reached the standby), so the
    /// next step's line, or the sub-workflow's "finished" line, proves the checkpoint was acknowledged.
    /// </summary>
    private static bool CheckpointWasAcknowledged(StepExecution execution)
    {
        var lines = execution.Process.Process.Lines;
        var run = execution.Step.RunId.ToString();
        var sub = execution.Step.Sub;
        for (var i = execution.Line + 1; i < lines.Count; i++)
        {
            var line = lines[i];
            if (!line.Contains(run, StringComparison.Ordinal))
                continue;
            if (SubWorkflowLine().Match(line) is { Success: true } subLine && int.Parse(subLine.Groups[1].Value, CultureInfo.InvariantCulture) == sub)
                return subLine.Groups[2].Value == "finished";
            if (StepLine().Match(line) is { Success: true } stepLine && int.Parse(stepLine.Groups[2].Value, CultureInfo.InvariantCulture) == sub)
                return int.Parse(stepLine.Groups[1].Value, CultureInfo.InvariantCulture) == execution.Step.Step + 1 && int.Parse(stepLine.Groups[3].Value, CultureInfo.InvariantCulture) == execution.Attempt;
        }

        return false;
    }

    [GeneratedRegex(@"Sub-workflow (\d+)/\d+ of run [0-9a-f-]+ (started|resumed|finished) on")]
    private static partial Regex SubWorkflowLine();

    [GeneratedRegex(@"Executing step (\d+)/\d+ of sub-workflow (\d+) \(run [0-9a-f-]+, executor [^,]+, attempt (\d+)\)")]
    private static partial Regex StepLine();
}
