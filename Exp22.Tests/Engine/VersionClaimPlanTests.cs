using Exp22.Tests.Infrastructure;
using Exp22.Workflows.Execution;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.Engine;

/// <summary>
/// The plain claim stays one ordered index range per queue with two versions in the backlog: the version is
/// an equality prefix of the claimable index, so a v1 executor never steps over the v2 rows queued before its own.
/// </summary>
public sealed class VersionClaimPlanTests(ITestOutputHelper output)
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task The_claim_reads_only_its_versions_rows_from_the_claimable_index_over_100k_rows_of_two_versions()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using (await EngineHost.StartAsync(database, new ExecutionLog(), executor: false))
        {
        }

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        // The v2 rows are the older ones: a claim that filtered the version after the index would read all 50k of them first.
        await using (var fill = new NpgsqlCommand("""
            INSERT INTO exp22.workflows (id, run_id, name, queue, status, input, application_version, created_at)
            SELECT g.id, g.id, 'steps', 'default', 'ENQUEUED', '{"Steps": 1}',
                   CASE WHEN g.n <= 50000 THEN '2.0.0' ELSE '1.0.0' END, now() - interval '1 hour' + g.n * interval '1 ms'
            FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 100000) AS n) g;
            ANALYZE exp22.workflows;
            """, connection))
            await fill.ExecuteNonQueryAsync();

        await using var transaction = await connection.BeginTransactionAsync();
        await using var explain = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS) {QueueClaims.ClaimSql}", connection, transaction);
        string[] queues = ["default"];
        string[] names = ["steps"];
        explain.Parameters.Add(new NpgsqlParameter("queues", queues));
        explain.Parameters.Add(new NpgsqlParameter("names", names));
        explain.Parameters.Add(new NpgsqlParameter("limit", 8));
        explain.Parameters.Add(new NpgsqlParameter("suspects", 1));
        explain.Parameters.Add(new NpgsqlParameter("executor_id", "plan-executor"));
        explain.Parameters.Add(new NpgsqlParameter("application_version", "1.0.0"));
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(0));
        }

        await transaction.RollbackAsync();
        output.WriteLine(string.Join("\n", plan));
        var text = string.Join("\n", plan);
        // Ready rows come from workflows_ready or, when no row sleeps, equally well from workflows_claimable.
        Assert.Matches("Index Scan using workflows_(ready|claimable) on workflows", text);
        // Suspects, ready rows and due sleepers: each scan reads the version as an index condition.
        Assert.Equal(3, plan.Count(line => line.Contains("Index Cond: ((queue = q", StringComparison.Ordinal)
            && line.Contains("AND (application_version = ", StringComparison.Ordinal)));
        Assert.DoesNotContain("Sort Method: external", text);
        Assert.DoesNotContain(plan, line => line.Contains("Rows Removed by Filter", StringComparison.Ordinal)
            && int.Parse(line.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture) > 100);
    }
}
