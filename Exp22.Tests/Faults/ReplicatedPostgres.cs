using Exp22.Harness.Os;
using Exp22.Harness.Postgres;
using Exp22.Tests.Infrastructure;
using Npgsql;

namespace Exp22.Tests.Faults;

/// <summary>
/// A primary and a hot standby of one test, two private clusters from the machine's binaries: the
/// standby is a <c>pg_basebackup</c> of the primary that streams its WAL over a replication slot, and
/// replication is synchronous, so a commit is acknowledged only once the standby has the WAL too.
/// The test can stop the primary hard (SIGKILL to every server process at once) and promote the
/// standby, as an HA manager (Patroni, RDS Multi-AZ) does. Services connect with a multi-host
/// connection string and <c>Target Session Attributes=primary</c>.
/// </summary>
/// <remarks>
/// fsync is off on both: the test kills server processes, not the machine, so written WAL survives in
/// the page cache; synchronous_commit stays on, which is what makes an acknowledged commit the standby's too.
/// </remarks>
internal sealed class ReplicatedPostgres : IAsyncDisposable
{
    public const string Database = "exp22db";
    private const string Slot = "standby1";

    private readonly TestFolder _folder;
    private PostgresServer? _primary;
    private PostgresServer? _standby;

    private ReplicatedPostgres(TestFolder folder, PostgresServer primary, PostgresServer standby)
    {
        _folder = folder;
        _primary = primary;
        _standby = standby;
        PrimaryPort = primary.Port;
        StandbyPort = standby.Port;
    }

    public int PrimaryPort { get; }

    public int StandbyPort { get; }

    /// <summary>
    /// Both servers, primary first, as an application lists them; Npgsql opens connections only to the
    /// one that is primary now, and looks again at a host it found down or standby after 2 s (default 10 s).
    /// </summary>
    public string MultiHostConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = $"127.0.0.1:{PrimaryPort},127.0.0.1:{StandbyPort}",
        Username = "postgres",
        Database = Database,
        TargetSessionAttributes = "primary",
        HostRecheckSeconds = 2,
    }.ConnectionString;

    /// <summary>Connects to the standby alone (before the failover: read-only).</summary>
    public string StandbyConnectionString => _standby!.GetConnectionString(Database);

    public static async Task<ReplicatedPostgres> StartAsync()
    {
        var folder = new TestFolder();
        PostgresServer? primary = null;
        try
        {
            primary = await PostgresServer.StartAsync(new PostgresServerOptions
            {
                DataDirectory = Path.Combine(folder.Path, "primary"),
                Settings = { ["fsync"] = "off", ["synchronous_commit"] = "on", ["wal_level"] = "replica", ["max_wal_senders"] = "4" },
            });
            await primary.CreateDatabaseAsync(Database);

            var standbyDirectory = Path.Combine(folder.Path, "standby");
            await PostgresBaseBackup.TakeAsync(primary, standbyDirectory, Slot);
            var standby = await PostgresServer.StartAsync(new PostgresServerOptions
            {
                DataDirectory = standbyDirectory,
                Settings = { ["fsync"] = "off", ["hot_standby"] = "on" },
            });
            var replicated = new ReplicatedPostgres(folder, primary, standby);
            await replicated.MakeReplicationSynchronousAsync();
            return replicated;
        }
        catch
        {
            if (primary is not null)
                await primary.DisposeAsync();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>The primary's view of its standby: "sync" once commits wait for it.</summary>
    public async Task<string?> SyncStateAsync()
    {
        await using var connection = new NpgsqlConnection(Unpooled(_primary!.ConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT sync_state FROM pg_stat_replication", connection);
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>SIGKILL to the postmaster and every backend at once (the server runs in its own process group): a crash.</summary>
    public async Task KillPrimaryAsync()
    {
        var primary = _primary!;
        _primary = null;
        Posix.SignalGroup(primary.ProcessId, Posix.SigKill);
        await primary.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        await primary.StopAsync();
    }

    /// <summary><c>pg_promote()</c>: the standby leaves recovery and accepts writes; returns once it has.</summary>
    public async Task PromoteStandbyAsync()
    {
        await using var connection = new NpgsqlConnection(Unpooled(StandbyConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_promote(wait => true, wait_seconds => 30)", connection);
        if (await command.ExecuteScalarAsync() is not true)
            throw new InvalidOperationException("pg_promote() did not promote the standby within 30 s.");
    }

    // Set after the standby is up: before it, every commit on the primary would wait for a standby that
    // is not there. (A setting on the server's command line could not be changed by ALTER SYSTEM.)
    private async Task MakeReplicationSynchronousAsync()
    {
        await using (var connection = new NpgsqlConnection(Unpooled(_primary!.ConnectionString)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "ALTER SYSTEM SET synchronous_standby_names = '*'; SELECT pg_reload_conf();", connection);
            await command.ExecuteNonQueryAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await SyncStateAsync() != "sync")
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The standby did not become a synchronous standby within 30 s (state: {await SyncStateAsync() ?? "not connected"}).");
            await Task.Delay(100);
        }
    }

    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (_primary is not null)
            await _primary.DisposeAsync();
        if (_standby is not null)
            await _standby.DisposeAsync();
        _folder.Dispose();
    }
}
