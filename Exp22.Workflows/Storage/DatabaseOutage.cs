using Npgsql;

namespace Exp22.Workflows.Storage;

/// <summary>
/// Tells "the database is unreachable, restarting or failing over: try again" from an error about the
/// statement itself. The engine releases a workflow whose write failed for the first reason (never
/// marks it ERROR); the API answers 503 instead of 500.
/// </summary>
public static class DatabaseOutage
{
    public static bool Is(Exception exception) => exception switch
    {
        PostgresException e => IsOutage(e),
        NpgsqlOperationInProgressException => false,
        // Npgsql's own errors are about the connection: refused or broken, a timeout, an exhausted pool,
        // and with a multi-host connection string "no suitable host" while no server is primary yet
        // (not flagged transient by Npgsql: its inner exception is an AggregateException, or none).
        NpgsqlException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(Is),
        // Not IOException: outside Npgsql (which wraps its own) it says nothing about the database; ASP.NET
        // Core's BadHttpRequestException (a body too large) is one.
        TimeoutException => true,
        _ => exception.InnerException is { } inner && Is(inner),
    };

    // Class 08: connection exception; 57P0x: the server is shutting down, crashed or starting up;
    // 25006: a write reached a server that is (or became) a read-only standby, as during a failover.
    private static bool IsOutage(PostgresException e) =>
        e.IsTransient
        || e.SqlState.StartsWith("08", StringComparison.Ordinal)
        || e.SqlState.StartsWith("57P", StringComparison.Ordinal)
        || e.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction;
}
