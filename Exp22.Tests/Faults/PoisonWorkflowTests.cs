using System.Globalization;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Exp22.Workflows.Schema;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.Faults;

/// <summary>
/// Poison workflows among healthy runs on three executor processes under a supervisor that restarts
/// whatever dies and kills whatever stops answering: one workflow calls Environment.FailFast, one
/// overflows its stack, one hangs its process (every thread-pool thread blocked). Each may take down
/// Workflows:MaxRecoveryAttempts + 1 processes, then ends MAX_RECOVERY_EXCEEDED and nothing dies any more.
/// </summary>
[Collection(FaultTests.Collection)]
public sealed partial class PoisonWorkflowTests(ITestOutputHelper output)
{
    private const int Executors = 3;
    private const int MaxRecoveries = 2;
    private const int HealthyRuns = 18;
    private const int StepsPerWorkflow = 3;
    private const string UnknownWorkflow = "demo-from-a-newer-release";
    private const string HangFault = "Hang";
    private static readonly string[] Poisons = ["FailFast", "StackOverflow", HangFault];

    private static Dictionary<string, string> ExecutorEnvironment(string database, string executorId) => new Dictionary<string, string>
    {
        ["ConnectionStrings__exp22db"] = database,
        ["Workflows__ExecutorId"] = executorId,
        ["Workflows__HeartbeatInterval"] = "00:00:00.500",
        // Room for a live executor starved of CPU on a loaded machine: it must not look dead.
        ["Workflows__HeartbeatTimeout"] = "00:00:05",
        ["Workflows__MaxRecoveryAttempts"] = MaxRecoveries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Demo__FaultWorkflows"] = "true",
    };

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Poison_workflows_are_capped_the_healthy_runs_finish_and_the_fleet_stops_dying()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var client = new WorkflowClient(dataSource);
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string> { ["ConnectionStrings__exp22db"] = database });
        await using var fleet = await ExecutorFleet.StartAsync(Executors, id => ExecutorEnvironment(database, id));
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        var clock = Stopwatch.StartNew();
        await using var supervisor = FleetSupervisor.Start(fleet, clock);

        var unknown = (await client.EnqueueAsync(new EnqueueRequest(UnknownWorkflow, "{}"), CancellationToken.None)).RunId;
        var poisons = new Dictionary<Guid, string>();
        async Task EnqueuePoisonAsync(string fault)
        {
            var input = WorkflowJson.Serialize(new { Fault = fault, StepsBefore = 1 });
            poisons[(await client.EnqueueAsync(new EnqueueRequest("demo-fault", input), CancellationToken.None)).RunId] = fault;
        }

        foreach (var fault in Poisons.Where(f => f != HangFault))
            await EnqueuePoisonAsync(fault);

        var healthy = new Dictionary<Guid, int>();
        for (var i = 0; i < HealthyRuns; i++)
        {
            healthy[await FaultRuns.EnqueueAsync(client, 2, StepsPerWorkflow, 50, 250)] = 2;
            await Task.Delay(TimeSpan.FromMilliseconds(400));
        }

        // The hang comes once the crashing poisons are capped: claimed beside one of them, its process
        // would die of the other before it could stop answering.
        await FaultRuns.UntilAllFinishedAsync(dataSource, [.. poisons.Keys], TimeSpan.FromSeconds(150));
        await EnqueuePoisonAsync(HangFault);

        var healthyStatuses = await FaultRuns.UntilAllFinishedAsync(dataSource, [.. healthy.Keys], TimeSpan.FromSeconds(150));
        await FaultRuns.UntilAllFinishedAsync(dataSource, [.. poisons.Keys], TimeSpan.FromSeconds(150));
        var cappedAt = clock.Elapsed;
        // Long enough for a crash-looping fleet to show it: several heartbeat timeouts and restarts.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var crashes = supervisor.Crashes;
        await supervisor.DisposeAsync();

        var poisonRows = await PoisonRowsAsync(dataSource, [.. poisons.Keys]);
        var unknownRun = await client.GetRunAsync(unknown, CancellationToken.None);
        var audit = await CheckpointAudit.RunAsync(dataSource, [.. healthy.Keys], fleet.All, healthy.Values.Sum() * StepsPerWorkflow,
            e => e.Process.End == ProcessEnd.Crashed, "a crash of its process");
        var faultStepRuns = FaultStepExecutions(fleet.All);
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var apiViews = new Dictionary<Guid, JsonElement>();
        foreach (var id in poisons.Keys)
            apiViews[id] = await http.GetFromJsonAsync<JsonElement>($"/runs/{id}");
        var listed = await http.GetFromJsonAsync<JsonElement>($"/runs?status={WorkflowStatus.MaxRecoveryExceeded}");

        output.WriteLine($"{crashes.Count} process deaths in {cappedAt.TotalSeconds:0.0} s until every poison was capped; none may follow:");
        foreach (var crash in crashes)
            output.WriteLine("  " + crash);
        foreach (var (id, row) in poisonRows)
            output.WriteLine($"  {poisons[id]}: {row.Status}, {row.InARow} recoveries in a row ({row.Recoveries} in all), last {row.RecoveredFrom}");
        output.WriteLine($"Healthy: {FaultRuns.Describe(healthyStatuses)}; {audit.RepeatedExecutions} step executions repeated after a crash; " +
                         $"{audit.Violations.Count} violations");
        foreach (var violation in audit.Violations.Take(20))
            output.WriteLine("  VIOLATION " + violation);
        foreach (var line in fleet.All.SelectMany(p => p.Process.Lines.Where(PostgresRestartTests.IsFaultLine).Select(l => $"  {p}: {l}")).Take(40))
            output.WriteLine(line);

        Assert.Equal(HealthyRuns + healthy.Values.Sum(), healthyStatuses.GetValueOrDefault(WorkflowStatus.Success));
        Assert.Equal(WorkflowStatus.Success, Assert.Single(healthyStatuses.Keys));
        Assert.Empty(audit.Violations);
        foreach (var id in poisons.Keys)
        {
            var row = poisonRows[id];
            Assert.Equal(WorkflowStatus.MaxRecoveryExceeded, row.Status);
            Assert.Equal(MaxRecoveries + 1, row.InARow);
            Assert.InRange(row.Recoveries, MaxRecoveries + 1, MaxRecoveries + 1 + Poisons.Length);
            Assert.Contains(row.RecoveredFrom, fleet.ExecutorIds);
            // Its one step before the fault ran at most once per attempt until one checkpointed it (an
            // attempt the supervisor killed as unresponsive may have run it without committing), and
            // every later attempt replayed it.
            Assert.InRange(faultStepRuns.GetValueOrDefault((id, 1)), 1, await FirstStepCheckpointAttemptAsync(dataSource, id));
            Assert.Equal(WorkflowStatus.MaxRecoveryExceeded, apiViews[id].GetProperty("status").GetString());
            Assert.Equal(row.Recoveries, apiViews[id].GetProperty("recovery").GetProperty("count").GetInt32());
            Assert.Equal(MaxRecoveries + 1, apiViews[id].GetProperty("recovery").GetProperty("inARowWithoutProgress").GetInt32());
            Assert.Equal(row.RecoveredFrom, apiViews[id].GetProperty("recovery").GetProperty("lastExecutorId").GetString());
            Assert.Contains("MaxRecoveryAttempts", apiViews[id].GetProperty("error").GetString());
        }

        Assert.Equal(poisons.Keys.Order(), listed.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetGuid()).Order());
        // Each capped workflow killed at most MaxRecoveries + 1 processes (a kill can hit two at once).
        Assert.InRange(crashes.Count, MaxRecoveries + 1, Poisons.Length * (MaxRecoveries + 1));
        Assert.All(crashes, c => Assert.True(c.At <= cappedAt, $"{c} came after every poison was capped at {cappedAt.TotalSeconds:0.0} s"));
        Assert.Contains(crashes, c => c.ExitCode == 134 && !c.Unresponsive);
        Assert.Contains(crashes, c => c.Unresponsive);
        Assert.All(fleet.ExecutorIds, id => Assert.False(fleet.Current(id).Process.HasExited, $"{id} is down at the end"));
        Assert.Equal(WorkflowStatus.Enqueued, unknownRun!.Status);
        Assert.Equal(0, unknownRun.Attempt);
    }

    private sealed record PoisonRow(string Status, int Recoveries, int InARow, string? RecoveredFrom, string? Error);

    private static async Task<Dictionary<Guid, PoisonRow>> PoisonRowsAsync(NpgsqlDataSource dataSource, Guid[] ids)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, status, recoveries, recoveries_without_progress, recovered_from, error
            FROM exp22.workflows
            WHERE id = ANY (@ids)
            """);
        command.Parameters.Add(new NpgsqlParameter("ids", ids));
        var rows = new Dictionary<Guid, PoisonRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = new PoisonRow(reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));
        }

        return rows;
    }

    private static async Task<int> FirstStepCheckpointAttemptAsync(NpgsqlDataSource dataSource, Guid workflowId)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT attempt
            FROM exp22.steps
            WHERE workflow_id = @id
            ORDER BY seq
            LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", workflowId));
        return (int)(await command.ExecuteScalarAsync() ?? 0);
    }

    [GeneratedRegex(@"Executing fault-workflow step (\d+) \(workflow ([0-9a-f-]+),")]
    private static partial Regex FaultStepLine();

    /// <summary>(workflow, step) → how many times a process logged executing it.</summary>
    private static Dictionary<(Guid, int), int> FaultStepExecutions(IEnumerable<ExecutorIncarnation> processes) =>
        processes.SelectMany(p => p.Process.Lines)
            .Select(line => FaultStepLine().Match(line))
            .Where(m => m.Success)
            .GroupBy(m => (Guid.Parse(m.Groups[2].Value), int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
            .ToDictionary(g => g.Key, g => g.Count());
}
