namespace Exp22.AppHost;

internal static partial class AppHostLog
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Information,
        Message = "PostgreSQL: {Mode} ({Reason}); choose with --AppHost:Postgres=Container|LocalBinaries|ConnectionString")]
    public static partial void PostgresChosen(this ILogger logger, string mode, string reason);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "initdb created the cluster in {DataDirectory}")]
    public static partial void ClusterCreated(this ILogger logger, string dataDirectory);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Starting {Postgres} on data {DataDirectory}{Account}")]
    public static partial void PostgresStarting(this ILogger logger, string postgres, string dataDirectory, string account);

    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "Drain: SIGTERM sent to {Resource} (pid {Pid})")]
    public static partial void SigtermSent(this ILogger logger, string resource, int pid);
}
