using Exp22.Workflows.Schema;

namespace Exp22.Api.Database;

/// <summary>
/// Migrates the schema in the background, retrying with backoff until the database answers, so the API
/// starts and serves health (and 503s) while PostgreSQL is still down instead of exiting at start.
/// </summary>
public sealed partial class SchemaMigrationLoop(
    SchemaMigrator migrator,
    SchemaState state,
    TimeProvider timeProvider,
    ILogger<SchemaMigrationLoop> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await migrator.MigrateAsync(stoppingToken);
                state.MarkReady();
                if (attempt > 1)
                    LogReady(attempt);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRetrying(e, attempt, retry.TotalSeconds, e.Message);
            }

            await Task.Delay(retry, timeProvider, stoppingToken);
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "Database not ready for the schema migration (attempt {Attempt}); retrying in {Seconds:0.#} s: {Reason}")]
    private partial void LogRetrying(Exception exception, int attempt, double seconds, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Schema migrated after {Attempts} attempts; serving runs")]
    private partial void LogReady(int attempts);
}
