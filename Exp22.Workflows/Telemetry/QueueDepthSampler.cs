using Exp22.Workflows.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Exp22.Workflows.Telemetry;

/// <summary>
/// Counts the workflows waiting on the executor's queues. A metrics reader may collect often; the count
/// is a query, so it is refreshed at most once per <see cref="MaxAge"/>, in the background, and a
/// collection reports the latest count. Nothing is queried while nobody collects.
/// </summary>
internal sealed partial class QueueDepthSampler(NpgsqlDataSource dataSource, string[] queues, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    // Served by the partial index on claimable rows.
    private const string DepthSql = $$"""
        SELECT q.queue, count(w.id)
        FROM unnest(@queues) AS q (queue)
        LEFT JOIN {{Sql.Schema}}.workflows w ON w.queue = q.queue AND w.status = {{Sql.Enqueued}}
        GROUP BY q.queue
        """;

    private IReadOnlyList<(string Queue, long Depth)> _latest = [];
    private long _sampledAt = long.MinValue;
    private int _refreshing;

    public IReadOnlyList<(string Queue, long Depth)> Latest()
    {
        var stale = _sampledAt == long.MinValue || time.GetElapsedTime(_sampledAt) >= MaxAge;
        if (stale && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            _ = RefreshAsync();
        return _latest;
    }

    private async Task RefreshAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(MaxAge, time);
            var command = dataSource.CreateCommand(DepthSql);
            await using var commandDisposal = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter("queues", queues));
            var depths = new List<(string, long)>(queues.Length);
            var reader = await command.ExecuteReaderAsync(timeout.Token).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(timeout.Token).ConfigureAwait(false))
                depths.Add((reader.GetString(0), reader.GetInt64(1)));
            _latest = depths;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogNotSampled(logger, e, e.Message);
        }
        finally
        {
            _sampledAt = time.GetTimestamp();
            Volatile.Write(ref _refreshing, 0);
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Queue depth not sampled: {Error}")]
    private static partial void LogNotSampled(ILogger logger, Exception exception, string error);
}
