using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Exp22.Tests.AppHost;

/// <summary>What the app's own database says about a run: its trace, and which claim checkpointed each of its steps.</summary>
public sealed partial class RunDatabase(NpgsqlDataSource dataSource)
{
    private const string TraceSql = """
        SELECT trace_parent
        FROM exp22.workflows
        WHERE id = @run_id
        """;

    // A demo sub-workflow's operations are only its steps, in order: its step k is seq k - 1.
    private const string CheckpointsSql = """
        SELECT (w.input ->> 'index')::int, s.seq + 1, s.executor_id, s.attempt
        FROM exp22.workflows w
        JOIN exp22.steps s ON s.workflow_id = w.id
        WHERE w.run_id = @run_id AND w.parent_id IS NOT NULL
        """;

    /// <summary>The trace the run belongs to: the one its enqueue (the API's request) started.</summary>
    public async Task<string> TraceIdAsync(Guid runId)
    {
        await using var command = dataSource.CreateCommand(TraceSql);
        command.Parameters.Add(new NpgsqlParameter<Guid>("run_id", runId));
        var traceParent = (string?)await command.ExecuteScalarAsync()
                          ?? throw new InvalidOperationException($"Run {runId} has no trace context.");
        return traceParent.Split('-')[1];
    }

    /// <summary>(sub-workflow, step) → the executor and claim (attempt) that wrote its checkpoint.</summary>
    public async Task<Dictionary<(int Sub, int Step), (string ExecutorId, int Attempt)>> CheckpointsAsync(Guid runId)
    {
        var checkpoints = new Dictionary<(int, int), (string, int)>();
        await using var command = dataSource.CreateCommand(CheckpointsSql);
        command.Parameters.Add(new NpgsqlParameter<Guid>("run_id", runId));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            checkpoints[(reader.GetInt32(0), reader.GetInt32(1))] = (reader.GetString(2), reader.GetInt32(3));
        return checkpoints;
    }

    /// <summary>The demo's step executions of <paramref name="runId"/> in an executor's console log.</summary>
    public static IEnumerable<(int Sub, int Step, string ExecutorId, int Attempt)> StepExecutions(IEnumerable<string> consoleLog, Guid runId) =>
        from line in consoleLog
        let match = StepLine().Match(line)
        where match.Success && Guid.Parse(match.Groups[3].Value) == runId
        select (int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[4].Value, int.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"Executing step (\d+)/\d+ of sub-workflow (\d+) \(run ([0-9a-f-]+), executor ([^,]+), attempt (\d+)\)")]
    private static partial Regex StepLine();
}
