using Npgsql;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>
/// One engine table's counters and sizes at a moment (pg_stat_user_tables): rows written, updates and the
/// HOT ones among them (an update that changes no indexed column and finds room on its page writes no index
/// entry), dead rows, and heap and index sizes.
/// </summary>
public sealed record TableActivity(
    string Table, long Inserts, long Updates, long HotUpdates, long LiveRows, long DeadRows, long HeapBytes, long IndexBytes,
    long Autovacuums)
{
    private const string Sql = """
        SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_live_tup, n_dead_tup,
               pg_relation_size(relid), pg_indexes_size(relid), autovacuum_count
        FROM pg_stat_user_tables
        WHERE schemaname = 'exp22' AND relname = ANY (@tables)
        """;

    /// <summary>The engine's two tables that grow with every run.</summary>
    public static readonly string[] Busy = ["workflows", "steps"];

    public static async Task<Dictionary<string, TableActivity>> ReadAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // The statistics snapshot is per transaction: clear it so the counters are current.
        await using (var clear = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", connection))
            await clear.ExecuteNonQueryAsync(ct);
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.Add(new NpgsqlParameter("tables", Busy));
        var tables = new Dictionary<string, TableActivity>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var table = new TableActivity(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8));
            tables[table.Table] = table;
        }

        return tables;
    }

    /// <summary>HOT updates among the updates since <paramref name="before"/> (NaN without updates).</summary>
    public double HotRatioSince(TableActivity before) =>
        Updates == before.Updates ? double.NaN : (double)(HotUpdates - before.HotUpdates) / (Updates - before.Updates);
}
