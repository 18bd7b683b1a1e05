using Npgsql;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>
/// Samples pg_stat_activity while a measurement runs: of the database's backends running a statement, how
/// many wait for a heavyweight lock (a row or a transaction id) rather than for the CPU, the disk or the WAL flush.
/// </summary>
public sealed class LockWaits : IAsyncDisposable
{
    private const string Sql = """
        SELECT count(*) FILTER (WHERE state = 'active'),
               count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock')
        FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
        """;

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _active;
    private long _waiting;
    private long _samples;

    private LockWaits(NpgsqlDataSource dataSource) => _sampling = SampleAsync(dataSource, _stop.Token);

    public static LockWaits Start(NpgsqlDataSource dataSource) => new(dataSource);

    /// <summary>Mean backends running a statement, and mean of them waiting for a lock, per sample.</summary>
    public (double Active, double WaitingForLocks) Means => _samples == 0
        ? (0, 0)
        : ((double)Interlocked.Read(ref _active) / _samples, (double)Interlocked.Read(ref _waiting) / _samples);

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
                    await reader.ReadAsync(stop);
                    Interlocked.Add(ref _active, reader.GetInt64(0));
                    Interlocked.Add(ref _waiting, reader.GetInt64(1));
                    Interlocked.Increment(ref _samples);
                }

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
