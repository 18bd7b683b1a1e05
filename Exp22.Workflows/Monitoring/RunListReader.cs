using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Monitoring;

/// <summary>Runs newest first, filtered, each with its counts of steps and workflows so far.</summary>
internal sealed class RunListReader(NpgsqlDataSource dataSource)
{
    // The newest-first partial index serves the order; an id prefix is a primary-key range (any workflow
    // of the run may match, so that a sub-workflow's id found in a log leads to its run).
    private const string ListSql = $$"""
        SELECT w.id, w.name, w.status, w.queue, w.input::text, w.error, w.created_at, w.started_at, w.completed_at,
               (SELECT count(*) FROM {{Sql.Schema}}.steps s JOIN {{Sql.Schema}}.workflows d ON d.id = s.workflow_id
                WHERE d.run_id = w.id)::int,
               tree.workflows, tree.finished
        FROM {{Sql.Schema}}.workflows w
        CROSS JOIN LATERAL (
            SELECT count(*)::int AS workflows,
                   count(*) FILTER (WHERE d.status IN ({{Sql.Success}}, {{Sql.Error}}, {{Sql.Cancelled}}, {{Sql.MaxRecoveryExceeded}}))::int AS finished
            FROM {{Sql.Schema}}.workflows d
            WHERE d.run_id = w.id) AS tree
        WHERE w.parent_id IS NULL
          AND (@status::text IS NULL OR w.status = @status)
          AND (@from::timestamptz IS NULL OR w.created_at >= @from)
          AND (@to::timestamptz IS NULL OR w.created_at < @to)
          AND (@queue::text IS NULL OR w.queue = @queue)
          AND (@id_low::uuid IS NULL
               OR w.id IN (SELECT m.run_id FROM {{Sql.Schema}}.workflows m WHERE m.id BETWEEN @id_low AND @id_high))
        ORDER BY w.created_at DESC
        LIMIT @limit
        """;

    public async Task<RunListing> ReadAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filter.Limit, 1);
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT now()"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ListSql)
        {
            Parameters =
            {
                new("status", NpgsqlDbType.Text) { Value = (object?)filter.Status ?? DBNull.Value },
                new("from", NpgsqlDbType.TimestampTz) { Value = (object?)filter.From?.ToUniversalTime() ?? DBNull.Value },
                new("to", NpgsqlDbType.TimestampTz) { Value = (object?)filter.To?.ToUniversalTime() ?? DBNull.Value },
                new("id_low", NpgsqlDbType.Uuid) { Value = (object?)filter.IdPrefix?.Low ?? DBNull.Value },
                new("id_high", NpgsqlDbType.Uuid) { Value = (object?)filter.IdPrefix?.High ?? DBNull.Value },
                new("queue", NpgsqlDbType.Text) { Value = (object?)filter.Queue ?? DBNull.Value },
                new("limit", filter.Limit),
            },
        });
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var now = reader.GetFieldValue<DateTimeOffset>(0);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<RunSummaryRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new RunSummaryRow(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                Columns.Json(reader.GetString(4)), reader.GetStringOrNull(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.GetValueOrNull<DateTimeOffset>(7), reader.GetValueOrNull<DateTimeOffset>(8),
                reader.GetInt32(9), reader.GetInt32(10), reader.GetInt32(11)));
        }

        return new RunListing(now, runs);
    }
}
