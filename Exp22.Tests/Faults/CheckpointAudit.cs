using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Exp22.Tests.Faults;

/// <summary>One demo step: step <c>Step</c> of sub-workflow <c>Sub</c> of a run (both 1-based, as the logs print them).</summary>
internal readonly record struct DemoStep(Guid RunId, int Sub, int Step)
{
    public override string ToString() => $"run {RunId} sub-workflow {Sub} step {Step}";
}

/// <summary>One execution of a demo step, as an executor process logged it (<c>Line</c>: its position in that output).</summary>
internal sealed record StepExecution(DemoStep Step, string ExecutorId, int Attempt, ExecutorIncarnation Process, int Line);

/// <summary>The checkpoint row of a demo step: which executor and which claim (attempt) wrote it.</summary>
internal sealed record StepCheckpoint(DemoStep Step, string ExecutorId, int Attempt);

/// <summary>A step that ran more than once: the executions whose claims wrote no checkpoint, and the one that did.</summary>
internal sealed record RepeatedStep(DemoStep Step, IReadOnlyList<StepExecution> Superseded, StepExecution Checkpointed);

/// <summary>
/// Holds the engine to its promise, from the evidence the product itself leaves: every step of every
/// sub-workflow has exactly one checkpoint row; that row was written by an execution the logs show
/// (same executor, same claim); and a step ran again only when its earlier execution belonged to a
/// claim that wrote no checkpoint for it, and the test's fault can have cut that execution off.
/// </summary>
internal sealed partial class CheckpointAudit
{
    // The sub-workflow rows carry their index in their input; a step's position is its seq (a demo
    // sub-workflow's operations are only its steps, in order).
    private const string CheckpointsSql = """
        SELECT w.run_id, (w.input ->> 'index')::int, s.seq + 1, s.executor_id, s.attempt
        FROM exp22.workflows w
        JOIN exp22.steps s ON s.workflow_id = w.id
        WHERE w.parent_id IS NOT NULL
        """;

    private const string StepCountSql = """
        WITH subs AS (
            SELECT id, (input ->> 'steps')::int AS steps
            FROM exp22.workflows
            WHERE run_id = ANY (@run_ids) AND parent_id IS NOT NULL)
        SELECT (SELECT count(*) FROM exp22.steps WHERE workflow_id IN (SELECT id FROM subs)),
               (SELECT count(DISTINCT (workflow_id, seq)) FROM exp22.steps WHERE workflow_id IN (SELECT id FROM subs)),
               (SELECT coalesce(sum(steps), 0) FROM subs)
        """;

    private CheckpointAudit(
        IReadOnlyList<StepExecution> executions, IReadOnlyList<StepCheckpoint> checkpoints,
        IReadOnlyList<RepeatedStep> repeats, IReadOnlyList<string> violations)
    {
        Executions = executions;
        Checkpoints = checkpoints;
        Repeats = repeats;
        Violations = violations;
    }

    public IReadOnlyList<StepExecution> Executions { get; }

    public IReadOnlyList<StepCheckpoint> Checkpoints { get; }

    public IReadOnlyList<RepeatedStep> Repeats { get; }

    /// <summary>Every broken promise found, in words; empty when the engine kept them all.</summary>
    public IReadOnlyList<string> Violations { get; }

    /// <summary>How many executions were repeats (a step run three times counts two).</summary>
    public int RepeatedExecutions => Repeats.Sum(r => r.Superseded.Count);

    /// <param name="cutOffByFault">
    /// Whether the test's fault can explain that this execution did not reach its checkpoint, e.g. its
    /// process was killed; <paramref name="fault"/> names that fault in the violation's words.
    /// </param>
    public static async Task<CheckpointAudit> RunAsync(
        NpgsqlDataSource dataSource, IReadOnlyCollection<Guid> runIds, IEnumerable<ExecutorIncarnation> processes,
        int expectedSteps, Func<StepExecution, bool> cutOffByFault, string fault)
    {
        var runs = runIds.ToHashSet();
        var executions = ParseExecutions(processes).Where(e => runs.Contains(e.Step.RunId)).ToList();
        var checkpoints = (await LoadCheckpointsAsync(dataSource)).Where(c => runs.Contains(c.Step.RunId)).ToList();
        var violations = new List<string>();

        var (rows, distinct, expectedRows) = await CountRowsAsync(dataSource, runs);
        if (rows != distinct)
            violations.Add($"{rows} checkpoint rows for {distinct} distinct steps: a step was checkpointed twice");
        if (rows != expectedRows || checkpoints.Count != expectedSteps)
            violations.Add($"{checkpoints.Count} checkpoints for the runs' {expectedSteps} steps ({expectedRows} by the sub-workflows' inputs)");

        var executionsByStep = executions.GroupBy(e => e.Step).ToDictionary(g => g.Key, g => g.ToList());
        var repeats = new List<RepeatedStep>();
        foreach (var checkpoint in checkpoints)
        {
            var ran = executionsByStep.GetValueOrDefault(checkpoint.Step) ?? [];
            var writer = ran.Where(e => e.ExecutorId == checkpoint.ExecutorId && e.Attempt == checkpoint.Attempt).ToList();
            if (writer.Count != 1)
            {
                violations.Add($"{checkpoint.Step}: checkpoint by {checkpoint.ExecutorId} attempt {checkpoint.Attempt}, " +
                               $"but the logs show {writer.Count} execution(s) of that claim");
                continue;
            }

            var superseded = ran.Where(e => e != writer[0]).ToList();
            foreach (var earlier in superseded)
            {
                // A later claim re-running a step whose checkpoint an earlier claim wrote is the one thing
                // the engine must never do; an earlier claim's execution was cut off before its checkpoint.
                if (earlier.Attempt >= checkpoint.Attempt)
                    violations.Add($"{checkpoint.Step}: ran again by {earlier.ExecutorId} attempt {earlier.Attempt} " +
                                   $"after attempt {checkpoint.Attempt} had checkpointed it");
                if (!cutOffByFault(earlier))
                    violations.Add($"{checkpoint.Step}: repeated although its earlier execution ({earlier.Process}, " +
                                   $"attempt {earlier.Attempt}) was not in flight at {fault}");
            }

            if (superseded.Count > 0)
                repeats.Add(new RepeatedStep(checkpoint.Step, superseded, writer[0]));
        }

        var checkpointed = checkpoints.Select(c => c.Step).ToHashSet();
        foreach (var step in executionsByStep.Keys.Where(s => !checkpointed.Contains(s)))
            violations.Add($"{step}: executed but never checkpointed");

        return new CheckpointAudit(executions, checkpoints, repeats, violations);
    }

    [GeneratedRegex(@"Executing step (\d+)/\d+ of sub-workflow (\d+) \(run ([0-9a-f-]+), executor ([^,]+), attempt (\d+)\)")]
    private static partial Regex StepLine();

    private static IEnumerable<StepExecution> ParseExecutions(IEnumerable<ExecutorIncarnation> processes) =>
        from process in processes
        from line in process.Process.Lines.Select((text, index) => (Text: text, Index: index))
        let match = StepLine().Match(line.Text)
        where match.Success
        select new StepExecution(
            new DemoStep(Guid.Parse(match.Groups[3].Value), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)),
            match.Groups[4].Value,
            int.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture),
            process,
            line.Index);

    private static async Task<List<StepCheckpoint>> LoadCheckpointsAsync(NpgsqlDataSource dataSource)
    {
        var checkpoints = new List<StepCheckpoint>();
        await using var command = dataSource.CreateCommand(CheckpointsSql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            checkpoints.Add(new StepCheckpoint(
                new DemoStep(reader.GetGuid(0), reader.GetInt32(1), reader.GetInt32(2)),
                reader.GetString(3),
                reader.GetInt32(4)));
        }

        return checkpoints;
    }

    private static async Task<(long Rows, long Distinct, long Expected)> CountRowsAsync(NpgsqlDataSource dataSource, IReadOnlySet<Guid> runIds)
    {
        await using var command = dataSource.CreateCommand(StepCountSql);
        command.Parameters.Add(new NpgsqlParameter("run_ids", runIds.ToArray()));
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
