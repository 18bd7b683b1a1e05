using Exp22.Harness.Os;
using Exp22.Harness.Postgres;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.Faults;

/// <summary>
/// A private PostgreSQL of one test, which the test can take away and bring back: a fast shutdown
/// (clients disconnected, transactions rolled back), then a start on the same data directory and port,
/// as a database restart or failover looks to the services that use it. The shared test server cannot
/// be used for this: every other test runs on it.
/// </summary>
internal sealed class RestartablePostgres : IAsyncDisposable
{
    private readonly TestFolder _folder;
    private readonly PostgresServerOptions _options;
    private PostgresServer? _server;

    private RestartablePostgres(TestFolder folder, PostgresServerOptions options, PostgresServer server)
    {
        _folder = folder;
        _options = options;
        _server = server;
    }

    /// <summary>Connects to the test's database (<c>exp22db</c>).</summary>
    public string ConnectionString { get; private set; } = "";

    public bool IsRunning => _server is not null;

    public static async Task<RestartablePostgres> StartAsync()
    {
        var folder = new TestFolder();
        var options = PostgresFixture.PrivateServerOptions();
        options.DataDirectory = Path.Combine(folder.Path, "cluster");
        options.Port = FreePort.Pick();
        try
        {
            var server = await PostgresServer.StartAsync(options);
            await server.CreateDatabaseAsync("exp22db");
            return new RestartablePostgres(folder, options, server) { ConnectionString = server.GetConnectionString("exp22db") };
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Fast shutdown; returns once every server process has exited.</summary>
    public async Task StopAsync()
    {
        if (_server is null)
            return;
        await _server.StopAsync();
        _server = null;
    }

    /// <summary>Starts the server again on the same data directory and port.</summary>
    public async Task StartAgainAsync()
    {
        if (_server is not null)
            return;
        _server = await PostgresServer.StartAsync(_options);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _folder.Dispose();
    }
}
