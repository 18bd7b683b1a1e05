namespace Exp22.Harness.Postgres;

/// <summary>The private server could not be prepared or did not come up; the message carries the reason (and the server's log tail).</summary>
public sealed class PostgresStartException(string message, Exception? innerException = null)
    : Exception(message, innerException);
