using System.Diagnostics;
using Exp22.Workflows;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.Faults;

/// <summary>
/// The shutdown budget where it is hardest: SIGTERM while PostgreSQL answers nothing. The executor can
/// neither finish, hand back nor deregister; every phase of its drain must give up on its own deadline,
/// so that it exits inside HostOptions:ShutdownTimeout and leaves its work to the survivors.
/// </summary>
[Collection(FaultTests.Collection)]
public sealed class UnreachableDatabaseDrainTests(ITestOutputHelper output)
{
    // Drain 2 + 2 + 1 s, request drain 1 s, margin 2 s: a budget of 8 s inside a 9 s shutdown timeout.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(9);

    private static Dictionary<string, string> Environment(string database, string executorId) => new Dictionary<string, string>
    {
        ["ConnectionStrings__exp22db"] = database,
        ["Workflows__ExecutorId"] = executorId,
        ["Workflows__HeartbeatInterval"] = "00:00:00.500",
        ["Workflows__HeartbeatTimeout"] = "00:00:03",
        ["Workflows__WorkflowCompletionTimeout"] = "00:00:02",
        ["Workflows__HandoverTimeout"] = "00:00:02",
        ["Workflows__LeaveTimeout"] = "00:00:01",
        ["Shutdown__RequestDrainTimeout"] = "00:00:01",
        ["HostOptions__ShutdownTimeout"] = ShutdownTimeout.ToString("c"),
    };

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Sigterm_while_the_database_is_unreachable_exits_within_the_shutdown_timeout_and_survivors_recover_the_work()
    {
        await using var postgres = await RestartablePostgres.StartAsync();
        await using var fleet = await ExecutorFleet.StartAsync(2, id => Environment(postgres.ConnectionString, id));
        await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        var client = new Workflows.Client.WorkflowClient(dataSource);
        var runs = new List<Guid>();
        for (var i = 0; i < 2; i++)
            runs.Add(await FaultRuns.EnqueueAsync(client, subWorkflows: 3, steps: 6, 200, 400));
        await PostgresRestartTests.WaitForStepExecutionsAsync(fleet, atLeast: 6);
        var victim = fleet.All.OrderByDescending(p => p.Process.Lines.Count(l => l.Contains("Executing step"))).First();
        var survivor = fleet.All.Single(p => p != victim);

        postgres.Freeze();
        var clock = Stopwatch.StartNew();
        var exitCode = await fleet.TerminateAsync(victim.ExecutorId, TimeSpan.FromSeconds(30));
        var exitedAfter = clock.Elapsed;
        postgres.Thaw();
        var linesAtThaw = fleet.All.ToDictionary(p => p, p => p.Process.Lines.Count);

        await using var freshSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        var statuses = await FaultRuns.UntilAllFinishedAsync(freshSource, runs, TimeSpan.FromSeconds(60));
        var finishedAfter = clock.Elapsed;
        var audit = await CheckpointAudit.RunAsync(freshSource, runs, fleet.All, expectedSteps: runs.Count * 3 * 6,
            // The freeze cut off what either executor was running, not only the victim's work.
            e => e.Line < linesAtThaw[e.Process], "the freeze");
        output.WriteLine($"{victim} exited {exitedAfter.TotalSeconds:0.0} s after SIGTERM (exit code {exitCode}, " +
                         $"HostOptions:ShutdownTimeout {ShutdownTimeout.TotalSeconds:0} s); every run finished " +
                         $"{finishedAfter.TotalSeconds:0.0} s after it: {FaultRuns.Describe(statuses)}; " +
                         $"{audit.RepeatedExecutions} repeated step executions");
        foreach (var line in fleet.All.SelectMany(p => p.Process.Lines.Where(PostgresRestartTests.IsFaultLine).Select(l => $"  {p}: {l}")).Take(30))
            output.WriteLine(line);
        foreach (var violation in audit.Violations.Take(20))
            output.WriteLine("  VIOLATION " + violation);

        Assert.Equal(0, exitCode);
        Assert.True(exitedAfter < ShutdownTimeout, $"exited {exitedAfter} after SIGTERM, beyond the shutdown timeout");
        Assert.Contains(victim.Process.Lines, l => l.Contains("Drain: could not hand back") && l.Contains("Workflows:HandoverTimeout"));
        Assert.Contains(victim.Process.Lines, l => l.Contains("could not deregister within Workflows:LeaveTimeout"));
        Assert.Contains(victim.Process.Lines, l => l.Contains("Drain complete"));
        Assert.Contains(survivor.Process.Lines.Skip(linesAtThaw[survivor]), l => l.Contains("re-enqueued") && l.Contains("silent"));
        Assert.Equal(WorkflowStatus.Success, Assert.Single(statuses.Keys));
        Assert.Empty(audit.Violations);
    }
}
