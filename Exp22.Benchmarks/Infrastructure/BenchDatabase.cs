using Exp22.Harness.Postgres;
using Npgsql;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>
/// The PostgreSQL server every scenario measures against: a private one started by the launcher, or the
/// server of <c>ConnectionStrings:exp22db</c>. Each scenario gets a fresh database on it, so earlier
/// scenarios' rows and dead tuples do not weigh on later ones.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private readonly PostgresServer? _server;
    private readonly string _adminConnectionString;
    private int _created;

    private BenchDatabase(PostgresServer? server, string adminConnectionString)
    {
        _server = server;
        _adminConnectionString = adminConnectionString;
    }

    public string Description => _server is null
        ? $"external server {Host}:{Port}"
        : $"private PostgreSQL on 127.0.0.1:{Port} (data {_server.DataDirectory})";

    /// <summary>The postmaster's pid when the server is private; its backends' CPU time is measured through it.</summary>
    public int? ServerProcessId => _server?.ProcessId;

    public string Host => new NpgsqlConnectionStringBuilder(_adminConnectionString).Host ?? "127.0.0.1";

    public int Port => new NpgsqlConnectionStringBuilder(_adminConnectionString).Port;

    public string User => new NpgsqlConnectionStringBuilder(_adminConnectionString).Username ?? "postgres";

    public string? Password => new NpgsqlConnectionStringBuilder(_adminConnectionString).Password;

    public static async Task<BenchDatabase> StartAsync(string? externalConnectionString, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(externalConnectionString))
            return new BenchDatabase(null, externalConnectionString);

        var server = await PostgresServer.StartAsync(new PostgresServerOptions
        {
            // Durable commits as in production (fsync and synchronous_commit stay on): the ceiling and the
            // engine pay the same WAL flush. pg_stat_statements shows where the engine's time goes.
            Settings =
            {
                ["shared_preload_libraries"] = "pg_stat_statements",
                ["pg_stat_statements.track"] = "all",
                ["shared_buffers"] = "256MB",
                ["max_connections"] = "400",
            },
        }, ct);
        return new BenchDatabase(server, server.ConnectionString);
    }

    /// <summary>Npgsql settings appended to every connection string handed out (--connection-options).</summary>
    public string ConnectionOptions { get; set; } = "";

    /// <summary>Creates an empty database named after the scenario and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string scenario, CancellationToken ct)
    {
        var name = $"bench_{scenario}_{Interlocked.Increment(ref _created)}_{Environment.ProcessId}";
        await using (var connection = new NpgsqlConnection(Unpooled(_adminConnectionString)))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
        await using (var connection = new NpgsqlConnection(Unpooled(connectionString)))
        {
            await connection.OpenAsync(ct);
            // Present only when the server preloads the library (an external server may not).
            await using var extension = new NpgsqlCommand(
                """
                DO $$
                BEGIN
                    IF current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%' THEN
                        CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
                    END IF;
                END $$
                """, connection);
            await extension.ExecuteNonQueryAsync(ct);
        }

        return ConnectionOptions.Length == 0 ? connectionString : $"{connectionString};{ConnectionOptions}";
    }

    public static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
