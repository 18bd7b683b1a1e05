using Exp22.Workflows.Execution;
using Npgsql;

namespace Exp22.Workflows.Client;

/// <summary>
/// Tells executors that a queue has new work, after the enqueue has committed, folding the notifications
/// of concurrent enqueues into one statement. PostgreSQL serialises the commits of transactions that
/// NOTIFY (they take a global lock on the notification queue), so one NOTIFY per enqueue would cap the
/// enqueue rate far below that of plain inserts (figures: docs/performance.md#where-the-time-goes-and-what-stands-in-the-way-of-the-targets).
/// </summary>
/// <remarks>
/// A notification that fails to go out costs at most one polling interval: executors also poll.
/// </remarks>
internal sealed class EnqueueNotifier(NpgsqlDataSource dataSource)
{
    private const string NotifySql = "SELECT pg_notify(@channel, queue) FROM unnest(@queues) AS queue";

    private readonly Lock _gate = new();
    private readonly HashSet<string> _pending = [];
    private bool _sending;

    /// <summary>Schedules a notification for <paramref name="queue"/>; call it after the enqueue committed.</summary>
    public void Notify(string queue)
    {
        lock (_gate)
        {
            _pending.Add(queue);
            if (_sending)
                return;
            _sending = true;
        }

        // The notification belongs to no request: keep it out of the caller's trace and cancellation.
        using (ExecutionContext.SuppressFlow())
            _ = Task.Run(SendPendingAsync);
    }

    private async Task SendPendingAsync()
    {
        while (true)
        {
            string[] queues;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _sending = false;
                    return;
                }

                queues = [.. _pending];
                _pending.Clear();
            }

            try
            {
                await using var command = dataSource.CreateCommand(NotifySql);
                command.Parameters.Add(new NpgsqlParameter("channel", Notifications.Enqueued));
                command.Parameters.Add(new NpgsqlParameter("queues", queues));
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Polling picks the work up; an enqueue must not fail after its row has committed, and
                // the sender must go on for the next ones.
            }
        }
    }
}
