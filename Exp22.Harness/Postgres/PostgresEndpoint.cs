using Microsoft.Extensions.Configuration;

namespace Exp22.Harness.Postgres;

/// <summary>
/// The PostgreSQL the app talks to: an external server named by <c>ConnectionStrings:exp22db</c>, or else
/// a private server this process starts and owns.
/// </summary>
public sealed class PostgresEndpoint : IAsyncDisposable
{
    /// <summary>The connection name, as in Aspire: <c>ConnectionStrings:exp22db</c> / <c>ConnectionStrings__exp22db</c>.</summary>
    public const string ConnectionName = "exp22db";

    private PostgresEndpoint(string connectionString, PostgresServer? server)
    {
        ConnectionString = connectionString;
        Server = server;
    }

    /// <summary>The external connection string as given, or the private server's (superuser, database <c>postgres</c>).</summary>
    public string ConnectionString { get; }

    /// <summary>The private server; null when external.</summary>
    public PostgresServer? Server { get; }

    public bool IsExternal => Server is null;

    /// <summary>
    /// Uses <c>ConnectionStrings:exp22db</c> when set (nothing is launched, and disposing leaves that server
    /// alone); otherwise starts a private server with <paramref name="privateOptions"/>.
    /// </summary>
    public static async Task<PostgresEndpoint> ResolveAsync(
        IConfiguration configuration, Func<PostgresServerOptions> privateOptions, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(privateOptions);

        var external = configuration.GetConnectionString(ConnectionName);
        if (!string.IsNullOrWhiteSpace(external))
            return new PostgresEndpoint(external, server: null);

        var server = await PostgresServer.StartAsync(privateOptions(), ct);
        return new PostgresEndpoint(server.ConnectionString, server);
    }

    public string GetConnectionString(string database) => PostgresDatabases.WithDatabase(ConnectionString, database);

    /// <summary>Creates the database unless it exists.</summary>
    public Task CreateDatabaseAsync(string name, CancellationToken ct = default) =>
        PostgresDatabases.CreateIfMissingAsync(ConnectionString, name, ct);

    /// <summary>Stops the private server; an external one is not ours to stop.</summary>
    public ValueTask DisposeAsync() => Server?.DisposeAsync() ?? ValueTask.CompletedTask;
}
