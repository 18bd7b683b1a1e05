using Exp22.Harness.Demo;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Npgsql;

namespace Exp22.Tests.Faults;

/// <summary>The seed's runs as fault tests enqueue and watch them, straight through the engine's client.</summary>
internal static class FaultRuns
{
    private const string StatusesSql = """
        SELECT status, count(*)::int
        FROM exp22.workflows
        WHERE run_id = ANY (@run_ids)
        GROUP BY status
        """;

    public static async Task<Guid> EnqueueAsync(WorkflowClient client, int subWorkflows, int steps, int minDelayMs, int maxDelayMs)
    {
        var input = DemoRuns.Input(subWorkflows, steps, minDelayMs, maxDelayMs);
        return (await client.EnqueueAsync(new EnqueueRequest(DemoRuns.Workflow, input), CancellationToken.None)).RunId;
    }

    /// <summary>Status → how many workflows (runs and sub-workflows) of these runs have it.</summary>
    public static async Task<Dictionary<string, int>> StatusesAsync(NpgsqlDataSource dataSource, IReadOnlyCollection<Guid> runIds)
    {
        await using var command = dataSource.CreateCommand(StatusesSql);
        command.Parameters.Add(new NpgsqlParameter("run_ids", runIds.ToArray()));
        var statuses = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            statuses[reader.GetString(0)] = reader.GetInt32(1);
        return statuses;
    }

    public static bool AllFinished(Dictionary<string, int> statuses) =>
        !statuses.ContainsKey(WorkflowStatus.Enqueued) && !statuses.ContainsKey(WorkflowStatus.Running);

    /// <summary>
    /// Waits until every workflow of these runs has finished. Reads that fail because the database is
    /// away (a test restarting it) count as "not yet".
    /// </summary>
    public static async Task<Dictionary<string, int>> UntilAllFinishedAsync(
        NpgsqlDataSource dataSource, IReadOnlyCollection<Guid> runIds, TimeSpan timeout)
    {
        var statuses = new Dictionary<string, int>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                statuses = await StatusesAsync(dataSource, runIds);
                if (AllFinished(statuses))
                    return statuses;
            }
            catch (NpgsqlException)
            {
            }

            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{runIds.Count} run(s) did not finish within {timeout.TotalSeconds:0} s; last seen: {Describe(statuses)}");
            await Task.Delay(200);
        }
    }

    public static string Describe(Dictionary<string, int> statuses) =>
        statuses.Count == 0 ? "nothing" : string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value} {s.Key}"));
}
