using Npgsql;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>
/// Samples pg_stat_activity while a measurement runs: of the database's backends running a statement, how
/// many wait for a heavyweight lock (a row or a transaction id) rather than for the CPU, the disk or the WAL
/// flush, and which statements and lock kinds they wait in.
/// </summary>
public sealed class LockWaits : IAsyncDisposable
{
    private const string Sql = """
        SELECT wait_event_type = 'Lock', coalesce(wait_event, ''), left(regexp_replace(query, '\s+', ' ', 'g'), 70)
        FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
        """;

    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, long> _waitsByStatement = [];
    private readonly Task _sampling;
    private long _active;
    private long _waiting;
    private long _samples;

    private LockWaits(NpgsqlDataSource dataSource) => _sampling = SampleAsync(dataSource, _stop.Token);

    public static LockWaits Start(NpgsqlDataSource dataSource) => new(dataSource);

    /// <summary>Mean backends running a statement, and mean of them waiting for a lock, per sample (read after disposal).</summary>
    public (double Active, double WaitingForLocks) Means => _samples == 0 ? (0, 0) : ((double)_active / _samples, (double)_waiting / _samples);

    /// <summary>Where lock waits were seen most, as "wait_event: statement" with the share of all lock-waiting samples.</summary>
    public IEnumerable<(string Where, double Share)> Top(int count) =>
        _waitsByStatement.OrderByDescending(e => e.Value).Take(count).Select(e => (e.Key, (double)e.Value / Math.Max(1, _waiting)));

    private async Task SampleAsync(NpgsqlDataSource dataSource, CancellationToken stop)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(stop);
            await using var command = new NpgsqlCommand(Sql, connection);
            await command.PrepareAsync(stop);
            while (!stop.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(stop))
                {
                    while (await reader.ReadAsync(stop))
                    {
                        _active++;
                        if (reader.IsDBNull(0) || !reader.GetBoolean(0))
                            continue;
                        _waiting++;
                        var where = $"{reader.GetString(1)}: {reader.GetString(2)}";
                        _waitsByStatement[where] = _waitsByStatement.GetValueOrDefault(where) + 1;
                    }
                }

                _samples++;
                await Task.Delay(TimeSpan.FromMilliseconds(50), stop);
            }
        }
        catch (OperationCanceledException)
        {
            // The measurement is over.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
