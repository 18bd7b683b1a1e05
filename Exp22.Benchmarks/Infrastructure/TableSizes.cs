using Npgsql;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>One of the engine's tables: its size on disk with indexes and TOAST, and its live and dead rows.</summary>
public sealed record TableSize(string Table, long Bytes, long LiveRows, long DeadRows);

public static class TableSizes
{
    public static async Task<IReadOnlyList<TableSize>> OfEngineAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT relname, pg_total_relation_size(relid), n_live_tup, n_dead_tup
            FROM pg_stat_user_tables
            WHERE schemaname = 'exp22'
            ORDER BY pg_total_relation_size(relid) DESC
            """);
        var tables = new List<TableSize>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            tables.Add(new TableSize(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        return tables;
    }
}
