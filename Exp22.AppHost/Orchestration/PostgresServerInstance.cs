using Exp22.Harness.Postgres;
using Npgsql;

namespace Exp22.AppHost.Orchestration;

/// <summary>
/// The app's PostgreSQL: a private server started from the machine's binaries (data kept in
/// <see cref="PostgresInstanceSettings.DataDirectory"/>, or a throwaway folder), or an external server
/// named by a connection string, which is only probed, never started or stopped.
/// </summary>
internal sealed class PostgresServerInstance : ResourceInstance
{
    private static readonly TimeSpan LogPollInterval = TimeSpan.FromMilliseconds(500);

    private readonly PostgresInstanceSettings _settings;
    private PostgresServer? _server;
    private CancellationTokenSource? _tail;
    private Task _watching = Task.CompletedTask;
    private int _port;

    public PostgresServerInstance(PostgresInstanceSettings settings, ResourceNotificationService notifications, TimeProvider time)
        : base(settings.Name, settings.Name, settings.ExternalConnectionString is null ? "PostgreSQL" : "PostgreSQL (external)",
            [], notifications, time)
    {
        _settings = settings;
    }

    public bool IsExternal => _settings.ExternalConnectionString is not null;

    /// <summary>Superuser to the <c>postgres</c> database of the private server; the external string as given.</summary>
    public string ConnectionString =>
        _settings.ExternalConnectionString
        ?? _server?.ConnectionString
        ?? throw new InvalidOperationException($"{Name} has not started.");

    public Task CreateDatabaseAsync(string name, CancellationToken ct) =>
        _server?.CreateDatabaseAsync(name, ct) ?? Task.CompletedTask;

    protected override async Task LaunchAsync(CancellationToken ct)
    {
        if (IsExternal)
        {
            Log.Append("[apphost] using the external server of ConnectionStrings (nothing to start)");
            Running(pid: null);
            return;
        }

        try
        {
            _server = await PostgresServer.StartAsync(new PostgresServerOptions
            {
                DataDirectory = _settings.DataDirectory,
                // The launcher picks a free port (and picks again if it is taken meanwhile); a restart keeps
                // that port, so the connection strings the projects were given stay right.
                Port = _port,
                Settings = new Dictionary<string, string>(_settings.ServerSettings),
            }, ct);
        }
        catch (Exception e) when (e is PostgresNotFoundException or PostgresStartException)
        {
            throw new StartFailedException(e.Message, e);
        }

        _port = _server.Port;
        ChangeEndpoints([$"tcp://127.0.0.1:{_port}"]);
        Log.Append($"[apphost] PostgreSQL listening on 127.0.0.1:{_server.Port}, pid {_server.ProcessId}, data {_server.DataDirectory}");
        Running(_server.ProcessId);
        _tail = new CancellationTokenSource();
        _ = TailLogAsync(_server.LogFile, _tail.Token);
        _watching = WatchExitAsync(_server);
    }

    protected override async Task TerminateAsync()
    {
        if (_server is not { } server)
        {
            Exited(exitCode: null);
            return;
        }

        await server.StopAsync();
        await _watching;
    }

    protected override async Task<HealthStatus> ProbeAsync(CancellationToken ct)
    {
        var probe = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 3 }.ConnectionString;
        try
        {
            await using var connection = new NpgsqlConnection(probe);
            await connection.OpenAsync(ct);
            return HealthStatus.Healthy;
        }
        catch (NpgsqlException)
        {
            return HealthStatus.Unhealthy;
        }
    }

    private async Task WatchExitAsync(PostgresServer server)
    {
        await server.Exited;
        // The last lines of the log come after the exit itself.
        await Task.Delay(LogPollInterval * 2, Time);
        _tail?.Cancel();
        Log.Append($"[apphost] PostgreSQL (pid {server.ProcessId}) exited");
        await server.DisposeAsync();
        Exited(exitCode: null);
    }

    private async Task TailLogAsync(string file, CancellationToken ct)
    {
        var position = File.Exists(file) ? new FileInfo(file).Length : 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                position = ReadNewLines(file, position);
                await Task.Delay(LogPollInterval, Time, ct);
            }
        }
        catch (OperationCanceledException)
        {
            ReadNewLines(file, position);
        }
    }

    private long ReadNewLines(string file, long position)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= position)
                return stream.Length < position ? 0 : position;
            stream.Seek(position, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            var complete = text.LastIndexOf('\n');
            if (complete < 0)
                return position;
            foreach (var line in text[..complete].Split('\n'))
                Log.Append(line);
            return position + System.Text.Encoding.UTF8.GetByteCount(text[..(complete + 1)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return position;
        }
    }
}

/// <param name="DataDirectory">Null: a throwaway cluster.</param>
/// <param name="ExternalConnectionString">Set: nothing is started; this server is used as is.</param>
internal sealed record PostgresInstanceSettings(
    string Name,
    string? DataDirectory,
    string? ExternalConnectionString,
    IReadOnlyDictionary<string, string> ServerSettings);

/// <summary>A database on the server: created when missing. With an external server, the connection string names it already.</summary>
internal sealed class PostgresDatabaseInstance : ResourceInstance
{
    private readonly PostgresServerInstance _server;
    private readonly string _database;

    public PostgresDatabaseInstance(string name, PostgresServerInstance server, ResourceNotificationService notifications, TimeProvider time)
        : base(name, name, "Database", [], notifications, time)
    {
        _server = server;
        _database = name;
        Dependencies.Add(server);
    }

    public string ConnectionString =>
        _server.IsExternal ? _server.ConnectionString : PostgresDatabases.WithDatabase(_server.ConnectionString, _database);

    protected override async Task LaunchAsync(CancellationToken ct)
    {
        if (!_server.IsExternal)
        {
            try
            {
                await _server.CreateDatabaseAsync(_database, ct);
            }
            catch (NpgsqlException e)
            {
                throw new StartFailedException($"could not create database {_database}: {e.Message}", e);
            }
        }

        Log.Append($"[apphost] database {_database} ready");
        Running(pid: null);
    }

    protected override Task TerminateAsync()
    {
        Exited(exitCode: null);
        return Task.CompletedTask;
    }
}
