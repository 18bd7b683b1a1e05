using System.Diagnostics;
using System.Net;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.Faults;

/// <summary>
/// The database gone for longer than the heartbeat timeout, under executors with work in flight: they
/// stay up (live, not ready), and claim again and finish everything once it is back.
/// </summary>
[Collection(FaultTests.Collection)]
public sealed class DatabaseDownTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(8);

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Executors_stay_up_not_ready_while_the_database_is_down_and_resume_claiming_when_it_returns()
    {
        await using var postgres = await RestartablePostgres.StartAsync();
        await using var fleet = await ExecutorFleet.StartAsync(2, id => PostgresRestartTests.ExecutorEnvironment(postgres.ConnectionString, id));
        // The test's own pool is left behind with the old server; after the outage it uses a fresh one.
        await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        var client = new WorkflowClient(dataSource);
        var executors = fleet.All.ToList();
        var probes = executors.ToDictionary(e => e, e => new HttpClient { BaseAddress = e.Process.BaseAddress, Timeout = TimeSpan.FromSeconds(5) });

        var runs = new List<Guid>();
        for (var i = 0; i < 4; i++)
            runs.Add(await FaultRuns.EnqueueAsync(client, subWorkflows: 2, steps: 3, 300, 600));
        await PostgresRestartTests.WaitForStepExecutionsAsync(fleet, atLeast: 4);

        await postgres.StopAsync();
        var down = Stopwatch.StartNew();
        var answers = new List<(ExecutorIncarnation Executor, HttpStatusCode Live, HttpStatusCode Ready, HttpStatusCode Status)>();
        while (down.Elapsed < Outage)
        {
            foreach (var (executor, http) in probes)
                answers.Add((executor, await StatusOfAsync(http, "/health/live"), await StatusOfAsync(http, "/health/ready"), await StatusOfAsync(http, "/status")));
            await Task.Delay(500);
        }

        await postgres.StartAgainAsync();
        var linesAtReturn = fleet.All.ToDictionary(p => p, p => p.Process.Lines.Count);
        var back = Stopwatch.StartNew();
        await Engine.Eventually.TrueAsync(async () =>
        {
            var ready = await Task.WhenAll(probes.Values.Select(http => StatusOfAsync(http, "/health/ready")));
            return ready.All(code => code == HttpStatusCode.OK);
        }, TimeSpan.FromSeconds(30), "every executor to be ready again");
        var readyAfter = back.Elapsed;

        await using var freshSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        var freshClient = new WorkflowClient(freshSource);
        for (var i = 0; i < 2; i++)
            runs.Add(await FaultRuns.EnqueueAsync(freshClient, subWorkflows: 2, steps: 3, 100, 200));
        var statuses = await FaultRuns.UntilAllFinishedAsync(freshSource, runs, TimeSpan.FromSeconds(90));
        var finishedAfter = back.Elapsed;
        var audit = await CheckpointAudit.RunAsync(freshSource, runs, fleet.All, expectedSteps: runs.Count * 2 * 3,
            e => e.Line < linesAtReturn[e.Process], "the outage");
        foreach (var http in probes.Values)
            http.Dispose();

        output.WriteLine($"Database down {Outage.TotalSeconds:0} s: {answers.Count} probes; live {Describe(answers.Select(a => a.Live))}; " +
                         $"ready {Describe(answers.Select(a => a.Ready))}; /status {Describe(answers.Select(a => a.Status))}");
        output.WriteLine($"Back: every executor ready after {readyAfter.TotalSeconds:0.0} s, every run finished after {finishedAfter.TotalSeconds:0.0} s; " +
                         $"{FaultRuns.Describe(statuses)}; {audit.RepeatedExecutions} repeated step executions; {audit.Violations.Count} violations");
        foreach (var line in fleet.All.SelectMany(p => p.Process.Lines.Where(PostgresRestartTests.IsFaultLine).Select(l => $"  {p}: {l}")).Take(40))
            output.WriteLine(line);
        foreach (var violation in audit.Violations.Take(20))
            output.WriteLine("  VIOLATION " + violation);

        Assert.All(fleet.All, p => Assert.False(p.Process.HasExited, $"{p} exited:\n{p.Process.Tail()}"));
        Assert.Equal(executors, fleet.All);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Live));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Ready));
        Assert.Equal(runs.Count * 3, statuses.GetValueOrDefault(WorkflowStatus.Success));
        Assert.Equal(WorkflowStatus.Success, Assert.Single(statuses.Keys));
        Assert.Empty(audit.Violations);
    }

    private static async Task<HttpStatusCode> StatusOfAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return default;
        }
        catch (TaskCanceledException)
        {
            return HttpStatusCode.RequestTimeout;
        }
    }

    private static string Describe(IEnumerable<HttpStatusCode> codes) =>
        string.Join(", ", codes.GroupBy(c => (int)c).OrderBy(g => g.Key).Select(g => $"{g.Count()}×{g.Key}"));
}
