using Exp22.Benchmarks.Infrastructure;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>Where the database's time goes during a measurement, from pg_stat_statements.</summary>
public sealed class StatementStats
{
    private StatementStats()
    {
    }

    /// <returns>null when the server does not load pg_stat_statements.</returns>
    public static async Task<StatementStats?> ResetAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var check = dataSource.CreateCommand("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'");
        if ((long)(await check.ExecuteScalarAsync(ct))! == 0)
            return null;
        await using var reset = dataSource.CreateCommand("SELECT pg_stat_statements_reset()");
        await reset.ExecuteNonQueryAsync(ct);
        return new StatementStats();
    }

    /// <summary>Statements the database ran since the reset, this benchmark's own included (a few per second).</summary>
    public async Task<long> CallsAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT coalesce(sum(calls), 0)::bigint
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            """);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task PrintTopAsync(NpgsqlDataSource dataSource, double steps, Progress progress, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT calls, total_exec_time, mean_exec_time, regexp_replace(query, '\s+', ' ', 'g')
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC
            LIMIT 8
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        progress.Line("  pg_stat_statements, top statements by total execution time:");
        progress.Line("      calls  calls/step   total ms   mean ms  query");
        while (await reader.ReadAsync(ct))
        {
            var query = reader.GetString(3);
            progress.Line($"  {reader.GetInt64(0),9} {reader.GetInt64(0) / steps,11:0.00} {reader.GetDouble(1),10:0} {reader.GetDouble(2),9:0.000}  " +
                          $"{(query.Length > 90 ? query[..90] + "…" : query)}");
        }
    }
}
