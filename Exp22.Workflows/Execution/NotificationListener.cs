using Microsoft.Extensions.Logging;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Holds one connection in LISTEN on some of the engine's channels. When the connection drops (a database
/// restart, a network cut) it reconnects; polling covers the gap, so a lost notification only delays.
/// </summary>
internal sealed class NotificationListener(
    NpgsqlDataSource dataSource, TimeProvider time, ILogger<NotificationListener> logger)
{
    /// <summary>The executor's channels: new work, and cancellations of what it runs.</summary>
    public Task ListenAsync(Action<string, string> onNotification, CancellationToken cancellationToken) =>
        ListenAsync([Notifications.Enqueued, Notifications.Cancelled], onNotification, cancellationToken);

    /// <summary>
    /// Calls <paramref name="onNotification"/> with (channel, payload) for each notification on
    /// <paramref name="channels"/> (constants of <see cref="Notifications"/>), and with an empty payload on
    /// each channel whenever a connection starts to listen: anything may have happened while none did.
    /// </summary>
    public async Task ListenAsync(IReadOnlyList<string> channels, Action<string, string> onNotification, CancellationToken cancellationToken)
    {
        var reconnectDelay = TimeSpan.FromMilliseconds(250);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var connectionDisposal = connection.ConfigureAwait(false);
                connection.Notification += (_, e) => onNotification(e.Channel, e.Payload);
                var listen = new NpgsqlCommand(string.Concat(channels.Select(channel => $"LISTEN {channel};")), connection);
                await using (listen.ConfigureAwait(false))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                reconnectDelay = TimeSpan.FromMilliseconds(250);
                foreach (var channel in channels)
                    onNotification(channel, "");
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
