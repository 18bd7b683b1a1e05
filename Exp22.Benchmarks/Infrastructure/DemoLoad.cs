using System.Diagnostics;
using Exp22.Harness.Demo;
using Exp22.Workflows.Client;
using Npgsql;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>Enqueues the executor's demo runs through the engine's client and waits for them on the database.</summary>
public sealed class DemoLoad(NpgsqlDataSource dataSource, Progress progress)
{
    private readonly WorkflowClient _client = new(dataSource);

    public Task<EnqueuedRun> EnqueueAsync(string input, CancellationToken ct) =>
        _client.EnqueueAsync(new EnqueueRequest(DemoRuns.Workflow, input), ct);

    /// <summary>Enqueues <paramref name="count"/> runs from <paramref name="parallelism"/> concurrent callers.</summary>
    public async Task EnqueueManyAsync(int count, string input, int parallelism, CancellationToken ct)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
                await EnqueueAsync(input, ct);
        }));
    }

    /// <summary>Waits until <paramref name="expected"/> runs have finished, printing progress.</summary>
    /// <returns>How many of them ended SUCCESS.</returns>
    public async Task<long> WaitForRunsAsync(long expected, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            // Runs only (a small partial index): counting steps here would load the server being measured.
            await using var command = dataSource.CreateCommand(
                """
                SELECT count(*) FILTER (WHERE status IN ('SUCCESS', 'ERROR', 'CANCELLED')),
                       count(*) FILTER (WHERE status = 'SUCCESS')
                FROM exp22.workflows
                WHERE parent_id IS NULL
                """);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var (finished, succeeded) = (reader.GetInt64(0), reader.GetInt64(1));
            if (finished >= expected)
                return succeeded;
            if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(2))
            {
                lastReport = clock.Elapsed;
                progress.Line($"  {finished}/{expected} runs finished ({clock.Elapsed.TotalSeconds:0} s)");
            }

            if (clock.Elapsed > timeout)
                throw new TimeoutException($"Only {finished} of {expected} runs finished within {timeout}.");
            await Task.Delay(200, ct);
        }
    }
}
