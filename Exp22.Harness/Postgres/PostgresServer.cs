using System.Diagnostics;
using Exp22.Harness.Os;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exp22.Harness.Postgres;

/// <summary>
/// A private PostgreSQL server started from this machine's binaries, listening on 127.0.0.1 only.
/// It stops on <see cref="StopAsync"/>/<see cref="DisposeAsync"/>, and also when its owning process dies
/// however it dies (see <see cref="PostgresGuardian"/>).
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private const string LogFileName = "postmaster.log";
    private const int StartAttempts = 3;
    private const int LogTailLines = 30;

    private readonly PostgresGuardian _guardian;
    private readonly string? _temporaryRoot;
    private readonly PostgresServerOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task? _stopping;

    private PostgresServer(
        PostgresGuardian guardian, PostgresServerOptions options, ILogger logger, string dataDirectory,
        string? temporaryRoot, int port, string connectionString)
    {
        _guardian = guardian;
        _options = options;
        _logger = logger;
        DataDirectory = dataDirectory;
        _temporaryRoot = temporaryRoot;
        Port = port;
        ConnectionString = connectionString;
    }

    public int Port { get; }

    /// <summary>Connects as the superuser to the <c>postgres</c> database.</summary>
    public string ConnectionString { get; }

    public string DataDirectory { get; }

    /// <summary>True when the cluster lives in a temporary folder that goes away with the server.</summary>
    public bool IsTemporary => _temporaryRoot is not null;

    /// <summary>The postmaster's pid.</summary>
    public int ProcessId => _guardian.PostmasterPid;

    /// <summary>The pid of the guardian shell that stops the server when its owner dies.</summary>
    public int GuardianProcessId => _guardian.Pid;

    public string LogFile => Path.Combine(DataDirectory, LogFileName);

    /// <summary>Completes when the postmaster has exited, stopped by us or not (a supervisor can watch it).</summary>
    public Task Exited => _guardian.ServerExit;

    public string GetConnectionString(string database) => PostgresDatabases.WithDatabase(ConnectionString, database);

    /// <summary>Creates the database unless it exists.</summary>
    public Task CreateDatabaseAsync(string name, CancellationToken ct = default) =>
        PostgresDatabases.CreateIfMissingAsync(ConnectionString, name, ct);

    /// <summary>Prepares the cluster (initdb when needed) and starts the server; returns once it accepts connections.</summary>
    /// <exception cref="PostgresNotFoundException">The machine has no PostgreSQL binaries.</exception>
    /// <exception cref="PostgresStartException">initdb failed, or the server died or did not answer in time (the message has its log tail).</exception>
    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The guardian is a POSIX shell and the server is stopped with POSIX signals.
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("The private PostgreSQL launcher runs on Linux and macOS; on Windows set ConnectionStrings:exp22db.");
        var logger = options.Logger ?? NullLogger.Instance;
        var binaries = options.Binaries ?? PostgresBinaries.Find();
        var account = ServerAccount.ForCurrentProcess();
        var stopwatch = Stopwatch.StartNew();

        for (var attempt = 1; ; attempt++)
        {
            var temporaryRoot = options.DataDirectory is null ? CreateTemporaryRoot(account) : null;
            try
            {
                var dataDirectory = temporaryRoot is null
                    ? Path.GetFullPath(options.DataDirectory!)
                    : Path.Combine(temporaryRoot, "data");
                await PostgresCluster.PrepareAsync(binaries, account, options, dataDirectory, noSync: temporaryRoot is not null, ct);

                var port = options.Port == 0 ? FreePort.Pick() : options.Port;
                var server = await LaunchAsync(binaries, account, options, logger, dataDirectory, temporaryRoot, port, ct);
                LogStarted(logger, port, server.ProcessId, dataDirectory, stopwatch.ElapsedMilliseconds);
                return server;
            }
            catch (PortTakenException) when (options.Port == 0 && attempt < StartAttempts)
            {
                // Another process took the free port we picked before the server bound it: pick again.
                LogPortTaken(logger);
                DirectoryTree.Delete(temporaryRoot);
            }
            catch (PortTakenException e)
            {
                DirectoryTree.Delete(temporaryRoot);
                throw new PostgresStartException(e.Message);
            }
            catch
            {
                DirectoryTree.Delete(temporaryRoot);
                throw;
            }
        }
    }

    /// <summary>
    /// Fast shutdown: SIGINT to the postmaster (clients are disconnected, open transactions rolled back),
    /// then waits until it and all its children have exited. Falls back to an immediate shutdown, then to
    /// SIGKILL, when it takes longer than <see cref="PostgresServerOptions.StopTimeout"/>.
    /// </summary>
    public Task StopAsync(CancellationToken ct = default)
    {
        lock (_gate)
            _stopping ??= StopOnceAsync();
        return _stopping.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StopOnceAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        // Only while it runs: once the postmaster has exited, its pid may belong to another process.
        if (!_guardian.ServerHasExited)
            Posix.Signal(ProcessId, Posix.SigInt);
        // The guardian sends SIGINT too when its stdin closes; it also covers a postmaster we could not signal.
        _guardian.ReleaseServer();

        // The postmaster exits only after its children; the guardian exits only after the postmaster.
        if (!await _guardian.WaitForExitAsync(_options.StopTimeout))
        {
            LogSlowStop(_logger, ProcessId, _options.StopTimeout);
            Posix.Signal(ProcessId, Posix.SigQuit);
            if (!await _guardian.WaitForExitAsync(TimeSpan.FromSeconds(10)))
            {
                Posix.Signal(ProcessId, Posix.SigKill);
                _guardian.Kill();
                await _guardian.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }

        _guardian.Dispose();
        DirectoryTree.Delete(_temporaryRoot);
        LogStopped(_logger, Port, stopwatch.ElapsedMilliseconds);
    }

    private static async Task<PostgresServer> LaunchAsync(
        PostgresBinaries binaries, ServerAccount account, PostgresServerOptions options, ILogger logger,
        string dataDirectory, string? temporaryRoot, int port, CancellationToken ct)
    {
        var logFile = Path.Combine(dataDirectory, LogFileName);
        // A kept cluster appends to its log; the tail we report on failure starts where this run starts.
        var logStart = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
        var serverCommand = account.Command(binaries.Postgres, [.. PostgresCluster.ServerArguments(options, dataDirectory), .. PostgresCluster.PortArguments(port)]);
        var guardian = await PostgresGuardian.StartAsync(serverCommand, logFile, temporaryRoot, ct);

        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = options.User,
            Password = options.Password,
            Database = "postgres",
        }.ConnectionString;
        var server = new PostgresServer(guardian, options, logger, dataDirectory, temporaryRoot, port, connectionString);
        try
        {
            await WaitUntilAcceptingAsync(server, options.StartTimeout, logStart, ct);
            return server;
        }
        catch
        {
            // Stopping also removes a temporary root; the caller's cleanup tolerates that.
            await server.StopAsync(CancellationToken.None);
            throw;
        }
    }

    private static async Task WaitUntilAcceptingAsync(PostgresServer server, TimeSpan timeout, long logStart, CancellationToken ct)
    {
        var probe = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (server._guardian.ServerHasExited)
                    throw server.Died(logStart);
                try
                {
                    await using var connection = new NpgsqlConnection(probe);
                    await connection.OpenAsync(deadline.Token);
                    return;
                }
                catch (PostgresException e) when (e.SqlState.StartsWith("28", StringComparison.Ordinal))
                {
                    throw new PostgresStartException(
                        $"PostgreSQL on port {server.Port} refused our login as '{server._options.User}' ({e.MessageText}). "
                        + $"A kept data directory ({server.DataDirectory}) keeps the user and password it was created with.", e);
                }
                catch (NpgsqlException)
                {
                    // Not listening yet, or "the database system is starting up": try again shortly.
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new PostgresStartException(
                $"PostgreSQL on port {server.Port} did not accept connections within {timeout}. Log tail:{Environment.NewLine}{server.LogTail(logStart)}");
        }
    }

    private Exception Died(long logStart)
    {
        var tail = LogTail(logStart);
        var message = $"PostgreSQL (data {DataDirectory}, port {Port}) exited while starting. Log tail:{Environment.NewLine}{tail}";
        if (_guardian.Diagnostics is { Length: > 0 } diagnostics)
            message += Environment.NewLine + diagnostics;
        return tail.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
            ? new PortTakenException(message)
            : new PostgresStartException(message);
    }

    private string LogTail(long from)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            var lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(Environment.NewLine, lines.TakeLast(LogTailLines));
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    internal static string CreateTemporaryRoot(ServerAccount account)
    {
        // As root the postgres user must pass through the temp folder; TMPDIR may be private (e.g. /root/tmp).
        var baseDirectory = Path.GetTempPath();
        if (account.SwitchTo is not null && !ServerAccount.IsTraversableByOthers(baseDirectory))
            baseDirectory = "/tmp";

        var root = Path.Combine(baseDirectory, "exp22-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        if (OperatingSystem.IsWindows())
            return root;
        File.SetUnixFileMode(root, account.SwitchTo is null
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
              | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return root;
    }

    private sealed class PortTakenException(string message) : Exception(message);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information,
        Message = "PostgreSQL started on 127.0.0.1:{Port} (pid {Pid}, data {DataDirectory}) in {Elapsed} ms")]
    private static partial void LogStarted(ILogger logger, int port, int pid, string dataDirectory, long elapsed);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "PostgreSQL could not bind the port it was given; retrying with another port")]
    private static partial void LogPortTaken(ILogger logger);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning,
        Message = "PostgreSQL (pid {Pid}) did not stop within {Timeout}; shutting it down immediately")]
    private static partial void LogSlowStop(ILogger logger, int pid, TimeSpan timeout);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "PostgreSQL on port {Port} stopped in {Elapsed} ms")]
    private static partial void LogStopped(ILogger logger, int port, long elapsed);
}
