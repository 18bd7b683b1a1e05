using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>Writes queue definitions to <c>exp22.queues</c> and reads back what every executor claims by.</summary>
internal sealed class QueueDefinitionStore(NpgsqlDataSource dataSource)
{
    private const string UpsertSql = $$"""
        INSERT INTO {{Sql.Schema}}.queues AS q (name, global_concurrency, executor_concurrency, rate_limit, rate_period, partitioned)
        SELECT * FROM unnest(@names, @global_concurrency, @executor_concurrency, @rate_limit, @rate_period, @partitioned)
        ON CONFLICT (name) DO UPDATE
        SET global_concurrency = excluded.global_concurrency,
            executor_concurrency = excluded.executor_concurrency,
            rate_limit = excluded.rate_limit,
            rate_period = excluded.rate_period,
            partitioned = excluded.partitioned,
            updated_at = now()
        WHERE (q.global_concurrency, q.executor_concurrency, q.rate_limit, q.rate_period, q.partitioned)
              IS DISTINCT FROM (excluded.global_concurrency, excluded.executor_concurrency, excluded.rate_limit,
                                excluded.rate_period, excluded.partitioned)
        """;

    private const string ReadSql = $$"""
        SELECT name, global_concurrency, executor_concurrency, rate_limit, rate_period, partitioned
        FROM {{Sql.Schema}}.queues
        WHERE @names IS NULL OR name = ANY (@names)
        ORDER BY name
        """;

    public async Task SaveAsync(IReadOnlyDictionary<string, QueueDefinition> definitions, CancellationToken cancellationToken)
    {
        if (definitions.Count == 0)
            return;
        var rows = definitions.OrderBy(d => d.Key, StringComparer.Ordinal).ToList();
        var command = dataSource.CreateCommand(UpsertSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("names", rows.Select(r => r.Key).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("global_concurrency", NpgsqlDbType.Array | NpgsqlDbType.Integer)
            { Value = rows.Select(r => r.Value.GlobalConcurrency).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("executor_concurrency", NpgsqlDbType.Array | NpgsqlDbType.Integer)
            { Value = rows.Select(r => r.Value.ExecutorConcurrency).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("rate_limit", NpgsqlDbType.Array | NpgsqlDbType.Integer)
            { Value = rows.Select(r => r.Value.RateLimit).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("rate_period", NpgsqlDbType.Array | NpgsqlDbType.Interval)
            { Value = rows.Select(r => r.Value.RatePeriod).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("partitioned", rows.Select(r => r.Value.Partitioned).ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <param name="names">The queues wanted; null for every defined queue.</param>
    public async Task<Dictionary<string, QueueDefinition>> ReadAsync(string[]? names, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(ReadSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)names ?? DBNull.Value });
        var definitions = new Dictionary<string, QueueDefinition>(StringComparer.Ordinal);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            definitions[reader.GetString(0)] = new QueueDefinition
            {
                GlobalConcurrency = reader.GetValueOrNull<int>(1),
                ExecutorConcurrency = reader.GetValueOrNull<int>(2),
                RateLimit = reader.GetValueOrNull<int>(3),
                RatePeriod = reader.GetValueOrNull<TimeSpan>(4),
                Partitioned = reader.GetBoolean(5),
            };
        }

        return definitions;
    }
}
