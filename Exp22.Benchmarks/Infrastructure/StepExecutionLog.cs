using System.Globalization;
using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Npgsql;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>
/// Every demo step execution the executors print ("Executing step k/n of sub-workflow s (run R,
/// executor E, attempt A)"), read as it streams by, with the process that printed it. Matched against
/// the checkpoint rows, it tells which steps ran more than once, and whether each earlier execution was
/// cut off by a stop of its process, as the engine allows, or not.
/// </summary>
public sealed partial class StepExecutionLog
{
    private readonly ConcurrentDictionary<(Guid Run, int Sub, int Step), ConcurrentQueue<Execution>> _executions = new();
    private readonly ConcurrentDictionary<string, bool> _stopped = new();

    private sealed record Execution(string Process, string ExecutorId, int Attempt);

    /// <summary>The audit: executions, repeats, and repeats whose earlier execution no stop explains.</summary>
    public sealed record Audit(long Executions, long Steps, long Repeats, long RepeatsOutsideStops, long Unchecked, IReadOnlyList<string> Samples);

    public void Observe(string process, string line)
    {
        var match = StepLine().Match(line);
        if (!match.Success)
            return;
        var key = (Guid.Parse(match.Groups[3].Value), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        _executions.GetOrAdd(key, _ => new ConcurrentQueue<Execution>())
            .Enqueue(new Execution(process, match.Groups[4].Value, int.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture)));
    }

    /// <summary>A process that was SIGTERMed or SIGKILLed: its unfinished steps may run again.</summary>
    public void Stopped(string process) => _stopped[process] = true;

    public async Task<Audit> AuditAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.run_id, (w.input ->> 'index')::int, s.seq + 1, s.executor_id, s.attempt
            FROM exp22.workflows w
            JOIN exp22.steps s ON s.workflow_id = w.id
            WHERE w.parent_id IS NOT NULL
            """);
        var checkpoints = new Dictionary<(Guid, int, int), (string ExecutorId, int Attempt)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                checkpoints[(reader.GetGuid(0), reader.GetInt32(1), reader.GetInt32(2))] = (reader.GetString(3), reader.GetInt32(4));
        }

        long executions = 0, repeats = 0, outside = 0, unchecked_ = 0;
        var samples = new List<string>();
        foreach (var (step, queue) in _executions)
        {
            var ran = queue.ToList();
            executions += ran.Count;
            if (!checkpoints.TryGetValue(step, out var checkpoint))
            {
                unchecked_++;
                Sample($"run {step.Run} sub {step.Sub} step {step.Step}: executed, never checkpointed");
                continue;
            }

            var writer = ran.FirstOrDefault(e => e.ExecutorId == checkpoint.ExecutorId && e.Attempt == checkpoint.Attempt);
            foreach (var earlier in ran.Where(e => !ReferenceEquals(e, writer)))
            {
                repeats++;
                if (!_stopped.ContainsKey(earlier.Process) || earlier.Attempt >= checkpoint.Attempt)
                {
                    outside++;
                    Sample($"run {step.Run} sub {step.Sub} step {step.Step}: ran again after {earlier.Process} attempt {earlier.Attempt}, " +
                           "which no stop cut off");
                }
            }
        }

        return new Audit(executions, checkpoints.Count, repeats, outside, unchecked_, samples);

        void Sample(string text)
        {
            if (samples.Count < 20)
                samples.Add(text);
        }
    }

    [GeneratedRegex(@"Executing step (\d+)/\d+ of sub-workflow (\d+) \(run ([0-9a-f-]+), executor ([^,]+), attempt (\d+)\)")]
    private static partial Regex StepLine();
}
