using Microsoft.Extensions.Logging;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Holds one connection in LISTEN on the engine's channels. When the connection drops (a database
/// restart, a network cut) it reconnects; polling covers the gap, so a lost notification only delays.
/// </summary>
internal sealed class NotificationListener(
    NpgsqlDataSource dataSource, TimeProvider time, ILogger<NotificationListener> logger)
{
    public async Task ListenAsync(Action<string, string> onNotification, CancellationToken cancellationToken)
    {
        var reconnectDelay = TimeSpan.FromMilliseconds(250);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var connectionDisposal = connection.ConfigureAwait(false);
                connection.Notification += (_, e) => onNotification(e.Channel, e.Payload);
                var listen = new NpgsqlCommand($"LISTEN {Notifications.Enqueued}; LISTEN {Notifications.Cancelled}", connection);
                await using (listen.ConfigureAwait(false))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                reconnectDelay = TimeSpan.FromMilliseconds(250);
                // Work may have been enqueued while no connection listened.
                onNotification(Notifications.Enqueued, "");
                while (true)
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever broke the connection (the server gone, a reset, a broken pooled connection),
                // the answer is the same: a new connection; until then, polling covers.
                logger.NotificationConnectionLost(e, e.Message, reconnectDelay.TotalMilliseconds);
                await Task.Delay(reconnectDelay, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                reconnectDelay = TimeSpan.FromTicks(Math.Min(reconnectDelay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
