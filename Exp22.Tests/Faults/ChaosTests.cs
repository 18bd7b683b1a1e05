using System.Diagnostics;
using System.Globalization;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Exp22.Workflows.Schema;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.Faults;

/// <summary>
/// Seed-shaped runs across three executor processes while the test kills (SIGKILL) or stops (SIGTERM)
/// one executor at a time every few seconds and restarts it under the same id, as a supervisor would.
/// The CI size is 90 runs and 6 stops; the full size runs from the command in docs/reliability.md:
/// <c>EXP22_CHAOS_RUNS=240 dotnet test Exp22.Tests --filter "FullyQualifiedName~ChaosTests"</c>.
/// </summary>
[Collection(FaultTests.Collection)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int Executors = 3;
    private const int StepsPerWorkflow = 3;
    private const int CiRuns = 90;
    private const int MinStops = 6;
    private const double RunsPerSecond = 3;
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(20);

    private static IReadOnlyDictionary<string, string> ExecutorEnvironment(string database, string executorId) => new Dictionary<string, string>
    {
        ["ConnectionStrings__exp22db"] = database,
        ["Workflows__ExecutorId"] = executorId,
        // Quick recovery of a killed executor's work (yet with room for a live executor starved of CPU
        // on a loaded machine), and drains short enough that some hand workflows over mid-step.
        ["Workflows__HeartbeatInterval"] = "00:00:00.500",
        ["Workflows__HeartbeatTimeout"] = "00:00:04",
        ["Workflows__WorkflowCompletionTimeout"] = "00:00:00.500",
    };

    [Fact]
    public async Task Every_run_succeeds_while_executors_are_killed_and_terminated_one_at_a_time()
    {
        var runCount = RunsFromEnvironment();
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var client = new WorkflowClient(dataSource);
        await using var fleet = await ExecutorFleet.StartAsync(Executors, id => ExecutorEnvironment(database, id));

        var clock = Stopwatch.StartNew();
        var stops = StopsFor(runCount);
        var stopsDone = 0;
        var enqueueing = EnqueueAcrossTheStopsAsync(client, runCount, stops, () => Volatile.Read(ref stopsDone), new Random(seed + 1));
        var events = new List<string>();
        var failedDrains = new List<string>();
        var kills = 0;
        var terminations = 0;
        while (stopsDone < stops)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 2000)));
            var victim = fleet.ExecutorIds[random.Next(Executors)];
            var incarnation = fleet.Current(victim);
            // Alternating, so that even a short run has both kinds of stop.
            if (stopsDone % 2 == 0)
            {
                await fleet.KillAsync(victim);
                kills++;
                events.Add($"{clock.Elapsed.TotalSeconds,6:0.0} s SIGKILL {incarnation}");
            }
            else
            {
                var exitCode = await fleet.TerminateAsync(victim, DrainBound);
                terminations++;
                events.Add($"{clock.Elapsed.TotalSeconds,6:0.0} s SIGTERM {incarnation} → exit {exitCode}");
                if (exitCode != 0)
                    failedDrains.Add($"{incarnation} exited {exitCode} after SIGTERM:\n{incarnation.Process.Tail(60)}");
            }

            await fleet.RestartAsync(victim);
            Volatile.Write(ref stopsDone, stopsDone + 1);
        }

        var runs = await enqueueing;
        var statuses = await FaultRuns.UntilAllFinishedAsync(dataSource, [.. runs.Keys], TimeSpan.FromSeconds(120));
        var elapsed = clock.Elapsed;
        var expectedSteps = runs.Values.Sum() * StepsPerWorkflow;
        var audit = await CheckpointAudit.RunAsync(dataSource, [.. runs.Keys], fleet.All, expectedSteps,
            execution => execution.Process.End != ProcessEnd.StillRunning, "a kill or stop of its process");

        Report(runCount, seed, elapsed, kills, terminations, statuses, audit, events);
        foreach (var failed in failedDrains)
            output.WriteLine(failed);
        Assert.Empty(failedDrains);
        Assert.Equal(runCount, runs.Count);
        Assert.Equal(runCount + runs.Values.Sum(), statuses.GetValueOrDefault(WorkflowStatus.Success));
        Assert.Equal(WorkflowStatus.Success, Assert.Single(statuses.Keys));
        Assert.Empty(audit.Violations);
    }

    private static int RunsFromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable("EXP22_CHAOS_RUNS");
        if (string.IsNullOrWhiteSpace(value))
            return CiRuns;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs is >= 1 and <= 100_000
            ? runs
            : throw new ArgumentException($"EXP22_CHAOS_RUNS must be a whole number between 1 and 100000; got '{value}'.");
    }

    /// <summary>Six stops in CI; at full size one per 15 runs, so that the stops keep pace with the work.</summary>
    private static int StopsFor(int runs) => Math.Max(MinStops, runs / 15);

    /// <summary>
    /// Runs of 2–3 sub-workflows × 3 short steps, at most a few per second and spread evenly across the
    /// stops: run i waits for its share of the stops, so that every stop lands among runs in flight
    /// however slowly a loaded machine restarts executors.
    /// </summary>
    /// <returns>run id → its number of sub-workflows.</returns>
    private static async Task<Dictionary<Guid, int>> EnqueueAcrossTheStopsAsync(
        WorkflowClient client, int count, int stops, Func<int> stopsDone, Random random)
    {
        var runs = new Dictionary<Guid, int>();
        for (var i = 0; i < count; i++)
        {
            while (stopsDone() < (long)i * stops / count)
                await Task.Delay(50);
            await Task.Delay(TimeSpan.FromSeconds(1 / RunsPerSecond));
            var subWorkflows = random.Next(2, 4);
            runs[await FaultRuns.EnqueueAsync(client, subWorkflows, StepsPerWorkflow, 50, 300)] = subWorkflows;
        }

        return runs;
    }

    private void Report(
        int runCount, int seed, TimeSpan elapsed, int kills, int terminations, Dictionary<string, int> statuses,
        CheckpointAudit audit, List<string> events)
    {
        var afterKill = audit.Repeats.Sum(r => r.Superseded.Count(e => e.Process.End == ProcessEnd.Killed));
        var afterTerm = audit.Repeats.Sum(r => r.Superseded.Count(e => e.Process.End == ProcessEnd.Terminated));
        output.WriteLine($"Chaos: {runCount} runs (seed {seed}) across {Executors} executors in {elapsed.TotalSeconds:0.0} s; " +
                         $"{kills} SIGKILL + {terminations} SIGTERM, each followed by a restart under the same id");
        output.WriteLine($"Workflows: {FaultRuns.Describe(statuses)}");
        output.WriteLine($"Steps: {audit.Checkpoints.Count} checkpoints, one per step; {audit.Executions.Count} executions logged; " +
                         $"{audit.RepeatedExecutions} repeated ({afterKill} cut off by SIGKILL, {afterTerm} handed over by SIGTERM) " +
                         $"in {audit.Repeats.Count} steps; {audit.Violations.Count} violations");
        foreach (var line in events)
            output.WriteLine("  " + line);
        foreach (var repeat in audit.Repeats.Take(10))
        {
            output.WriteLine($"  repeated: {repeat.Step}: " +
                             string.Join(", ", repeat.Superseded.Select(e => $"{e.Process} attempt {e.Attempt} ({e.Process.End})")) +
                             $", then checkpointed by {repeat.Checkpointed.Process} attempt {repeat.Checkpointed.Attempt}");
        }

        foreach (var violation in audit.Violations.Take(20))
            output.WriteLine("  VIOLATION " + violation);
    }
}
