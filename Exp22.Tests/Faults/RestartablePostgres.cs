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
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly PostgresServerOptions _options;
    private readonly List<int> _frozen = [];
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

    /// <summary>
    /// Makes the server unreachable without closing anything: SIGSTOP to the postmaster, then to every
    /// backend. Connections stay open and new ones are accepted by the kernel, but nothing answers, as
    /// with a network partition or a hung host; every client waits for its own timeouts.
    /// </summary>
    public void Freeze()
    {
        var postmaster = _server?.ProcessId ?? throw new InvalidOperationException("The server is not running.");
        // The postmaster first, so that it forks no backend after the children are listed.
        Signal(postmaster, SigStop);
        _frozen.Add(postmaster);
        foreach (var child in ProcFs.ChildrenOf(postmaster))
        {
            Signal(child, SigStop);
            _frozen.Add(child);
        }
    }

    /// <summary>SIGCONT to every process <see cref="Freeze"/> stopped: the server answers again.</summary>
    public void Thaw()
    {
        foreach (var pid in Enumerable.Reverse(_frozen))
            Posix.Signal(pid, SigCont);
        _frozen.Clear();
    }

    private static void Signal(int pid, int signal)
    {
        if (!Posix.Signal(pid, signal))
            throw new InvalidOperationException($"Could not signal PostgreSQL process {pid}.");
    }

    public async ValueTask DisposeAsync()
    {
        Thaw();
        await StopAsync();
        _folder.Dispose();
    }
}
