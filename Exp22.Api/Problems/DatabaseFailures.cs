using System.Net.Sockets;
using Exp22.Api.Database;
using Npgsql;

namespace Exp22.Api.Problems;

/// <summary>Tells "the database is unreachable or overloaded, retry" apart from a bug.</summary>
public static class DatabaseFailures
{
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SchemaNotReadyException:
                    return true;
                // Class 08: connection exception; 57P0x: the server is shutting down, crashed or starting up.
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal):
                    return true;
                // Refused or broken connections, timeouts, an exhausted pool, too many connections, deadlocks...
                case NpgsqlException { IsTransient: true }:
                case TimeoutException or SocketException:
                    return true;
            }
        }

        return false;
    }
}
