using Npgsql;

namespace Exp22.Workflows.Storage;

/// <summary>
/// A cancel locks a tree top-down while a finishing child locks itself and then its parent, so the two
/// can deadlock; PostgreSQL aborts one of them, and that one simply runs again.
/// </summary>
internal static class DeadlockRetry
{
    private const int MaxTries = 5;

    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (attempt < MaxTries &&
                e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
