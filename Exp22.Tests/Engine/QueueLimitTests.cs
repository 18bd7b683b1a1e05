using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Exp22.Tests.Engine;

/// <summary>
/// Queue limits measured from the rows: each workflow here runs once, from its claim (started_at, taken
/// after the queue's lock) to its finish (completed_at, taken before the finish commits), so a correct
/// claim never shows more overlapping intervals than the limit, and a broken one shows them at once.
/// </summary>
public sealed class QueueLimitTests
{
    private const string Queue = "limited";

    private static Task<EngineHost[]> StartExecutorsAsync(
        string database, ExecutionLog log, int count, Action<Dictionary<string, string?>> limits) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(_ => EngineHost.StartAsync(database, log, configure: s =>
        {
            s["Workflows:Concurrency"] = "8";
            s["Workflows:PollingInterval"] = "00:00:00.050";
            limits(s);
        })));

    private static async Task EnqueueAsync(
        EngineHost host, int count, StepsInput input, Func<int, string?>? partition = null, string? applicationVersion = null)
    {
        for (var i = 0; i < count; i++)
        {
            await host.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(input, queue: Queue, partitionKey: partition?.Invoke(i),
                applicationVersion: applicationVersion);
        }
    }

    private static async Task<List<(DateTime Start, DateTime End, string? Partition, string Executor)>> RunsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT started_at, completed_at, partition_key, executor_id FROM exp22.workflows
            WHERE queue = @queue AND status = 'SUCCESS'
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("queue", Queue));
        var runs = new List<(DateTime, DateTime, string?, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            runs.Add((reader.GetDateTime(0), reader.GetDateTime(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3)));
        return runs;
    }

    private static async Task<int> FinishedAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*)::int FROM exp22.workflows WHERE queue = @queue AND status = 'SUCCESS'", connection);
        command.Parameters.Add(new NpgsqlParameter("queue", Queue));
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The most intervals open at one instant; at equal times an end goes before a start.</summary>
    private static int MaxOverlap(IEnumerable<(DateTime Start, DateTime End)> intervals) =>
        intervals.SelectMany(i => new[] { (At: i.Start, Delta: 1), (At: i.End, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta)
            .Aggregate((Open: 0, Max: 0), (s, e) => (s.Open + e.Delta, Math.Max(s.Max, s.Open + e.Delta))).Max;

    [Fact]
    public async Task A_limited_claim_takes_only_the_budget_that_running_workflows_leave()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        await new QueueDefinitionStore(dataSource).SaveAsync(
            new Dictionary<string, QueueDefinition> { [Queue] = new() { GlobalConcurrency = 3 } }, CancellationToken.None);
        var claims = new LimitedQueueClaims(dataSource);
        await EnqueueAsync(engine, 5, new StepsInput(1), applicationVersion: "1");

        var first = await claims.ClaimAsync("a", "1", Queue, ["steps"], 10, CancellationToken.None);
        var second = await claims.ClaimAsync("b", "1", Queue, ["steps"], 10, CancellationToken.None);
        await using (var finish = dataSource.CreateCommand("UPDATE exp22.workflows SET status = 'SUCCESS' WHERE id = @id"))
        {
            finish.Parameters.Add(new NpgsqlParameter("id", first[0].Id));
            await finish.ExecuteNonQueryAsync();
        }
        var third = await claims.ClaimAsync("b", "1", Queue, ["steps"], 10, CancellationToken.None);

        Assert.Equal(3, first.Count);
        Assert.Empty(second);
        Assert.Single(third);
        Assert.All(first.Concat(third), c => Assert.Equal(1, c.Attempt));
    }

    [Fact]
    public async Task A_limited_claim_takes_only_its_versions_workflows_and_counts_every_versions_running_ones()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        await new QueueDefinitionStore(dataSource).SaveAsync(
            new Dictionary<string, QueueDefinition> { [Queue] = new() { GlobalConcurrency = 4, Partitioned = true } }, CancellationToken.None);
        var claims = new LimitedQueueClaims(dataSource);
        await EnqueueAsync(engine, 3, new StepsInput(1), _ => "tenant", applicationVersion: "2");
        await EnqueueAsync(engine, 3, new StepsInput(1), _ => "tenant", applicationVersion: "1");

        var v1 = await claims.ClaimAsync("a", "1", Queue, ["steps"], 10, CancellationToken.None);
        var v2 = await claims.ClaimAsync("b", "2", Queue, ["steps"], 10, CancellationToken.None);

        Assert.Equal(3, v1.Count);
        Assert.Single(v2);
        await using var versions = dataSource.CreateCommand("SELECT array_agg(application_version ORDER BY application_version) FROM exp22.workflows WHERE executor_id = 'a'");
        Assert.Equal(["1", "1", "1"], (string[])(await versions.ExecuteScalarAsync())!);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Four_executors_racing_on_a_global_concurrency_of_3_never_run_more_than_3_at_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var executors = await StartExecutorsAsync(database, log, 4, s => s[$"Workflows:Queues:{Queue}:GlobalConcurrency"] = "3");
        try
        {
            const int runs = 2000;
            await EnqueueAsync(executors[0], runs, new StepsInput(1, StepDelayMs: 1));

            // Sampled while they run, as well as measured from the rows afterwards.
            var sampled = 0;
            await using (var probe = new NpgsqlConnection(database))
            {
                await probe.OpenAsync();
                await using var count = new NpgsqlCommand("""
                    SELECT count(*)::int FROM exp22.workflows
                    WHERE queue = @queue AND status = 'RUNNING' AND executor_id IS NOT NULL
                    """, probe);
                count.Parameters.Add(new NpgsqlParameter("queue", Queue));
                var deadline = DateTime.UtcNow.AddMinutes(3);
                while (await FinishedAsync(database) < runs)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the runs did not finish within 3 minutes");
                    sampled = Math.Max(sampled, (int)(await count.ExecuteScalarAsync())!);
                }
            }

            var rows = await RunsAsync(database);
            Assert.Equal(runs, rows.Count);
            Assert.InRange(sampled, 1, 3);
            Assert.Equal(3, MaxOverlap(rows.Select(r => (r.Start, r.End))));
            Assert.True(rows.Select(r => r.Executor).Distinct().Count() > 1, "every claim went to one executor: no race was run");
        }
        finally
        {
            await Task.WhenAll(executors.Select(e => e.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Four_executors_racing_on_a_rate_limit_never_start_more_than_it_allows_in_any_period()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var period = TimeSpan.FromMilliseconds(500);
        const int limit = 10;
        var executors = await StartExecutorsAsync(database, log, 4, s =>
        {
            s[$"Workflows:Queues:{Queue}:RateLimit"] = $"{limit}";
            s[$"Workflows:Queues:{Queue}:RatePeriod"] = period.ToString();
        });
        try
        {
            const int runs = 150;
            await EnqueueAsync(executors[0], runs, new StepsInput(1));
            await Eventually.TrueAsync(async () => await FinishedAsync(database) == runs, TimeSpan.FromMinutes(2), "every run to finish");

            var starts = (await RunsAsync(database)).Select(r => r.Start).Order().ToList();
            for (var i = 0; i + limit < starts.Count; i++)
                Assert.True(starts[i + limit] - starts[i] >= period,
                    $"{limit + 1} starts within {(starts[i + limit] - starts[i]).TotalMilliseconds:0.#} ms, from {starts[i]:O}");
            // The limit was the bottleneck, not something else: the runs took about as long as it allows.
            Assert.True(starts[^1] - starts[0] >= period * (runs / limit - 1));
            Assert.True(starts[^1] - starts[0] < period * (runs / limit) * 3, "the rate limit let far fewer through than it allows");
        }
        finally
        {
            await Task.WhenAll(executors.Select(e => e.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_partitioned_queue_limits_each_partition_and_runs_partitions_side_by_side()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var executors = await StartExecutorsAsync(database, log, 2, s =>
        {
            s[$"Workflows:Queues:{Queue}:GlobalConcurrency"] = "1";
            s[$"Workflows:Queues:{Queue}:Partitioned"] = "true";
        });
        try
        {
            const int runs = 90;
            await EnqueueAsync(executors[0], runs, new StepsInput(1, StepDelayMs: 20), i => $"tenant-{i % 3}");
            await Eventually.TrueAsync(async () => await FinishedAsync(database) == runs, TimeSpan.FromMinutes(2), "every run to finish");

            var rows = await RunsAsync(database);
            foreach (var partition in rows.GroupBy(r => r.Partition))
                Assert.Equal(1, MaxOverlap(partition.Select(r => (r.Start, r.End))));
            Assert.InRange(MaxOverlap(rows.Select(r => (r.Start, r.End))), 2, 3);
        }
        finally
        {
            await Task.WhenAll(executors.Select(e => e.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task An_executor_concurrency_caps_each_executor_on_the_queue_within_its_own_concurrency()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var executors = await StartExecutorsAsync(database, log, 1, s => s[$"Workflows:Queues:{Queue}:ExecutorConcurrency"] = "2");
        try
        {
            const int runs = 30;
            await EnqueueAsync(executors[0], runs, new StepsInput(1, StepDelayMs: 20));
            await Eventually.TrueAsync(async () => await FinishedAsync(database) == runs, TimeSpan.FromMinutes(1), "every run to finish");

            Assert.Equal(2, MaxOverlap((await RunsAsync(database)).Select(r => (r.Start, r.End))));
        }
        finally
        {
            await Task.WhenAll(executors.Select(e => e.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_queue_defined_in_configuration_is_claimed_beside_the_listed_ones_and_stored_for_every_executor()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var executor = await EngineHost.StartAsync(database, new ExecutionLog(), configure: s =>
        {
            s["Workflows:Queues:0"] = "default";
            s["Workflows:Queues:payments:GlobalConcurrency"] = "5";
        }, registerMore: w => w
            .AddQueue("reports", q => (q.RateLimit, q.RatePeriod) = (7, TimeSpan.FromMinutes(1)))
            .AddQueue("payments", q => q.GlobalConcurrency = 1));

        Assert.Equal(["default", "payments"], executor.Executor.GetStatus().Queues);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT name, coalesce(global_concurrency, 0), coalesce(rate_limit, 0) FROM exp22.queues ORDER BY name", connection);
        var rows = new List<(string, int, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));
        // Configuration replaced the code's definition of payments; the code's reports is declared but not claimed.
        Assert.Equal([("payments", 5, 0), ("reports", 0, 7)], rows);
    }

    [Theory]
    [InlineData("Workflows:Queues:payments:GlobalConcurrency", "0")]
    [InlineData("Workflows:Queues:payments:ExecutorConcurrency", "-1")]
    [InlineData("Workflows:Queues:payments:RateLimit", "5")]
    [InlineData("Workflows:Queues:payments:RatePeriod", "00:00:01")]
    [InlineData("Workflows:Queues:payments:Partitioned", "true")]
    [InlineData("Workflows:Queues:payments:GlobalConcurency", "3")]
    public async Task A_bad_queue_setting_stops_the_start_with_a_message_naming_the_key(string key, string value)
    {
        var database = await TestPostgres.CreateDatabaseAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            EngineHost.StartAsync(database, new ExecutionLog(), configure: s => s[key] = value));

        Assert.Contains(key, error.Message);
    }
}
