using System.Globalization;
using Exp22.Harness.Postgres;
using Exp22.Tests.Infrastructure;
using Npgsql;

namespace Exp22.Tests.Postgres;

/// <summary>The launcher against real server binaries; each test starts its own servers.</summary>
public sealed class PostgresServerTests
{
    private static readonly TimeSpan GoneWithin = TimeSpan.FromSeconds(15);

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Starts_and_accepts_connections_with_the_requested_settings()
    {
        await using var server = await PostgresServer.StartAsync(PostgresFixture.PrivateServerOptions());

        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal("off", await ScalarAsync(connection, "SHOW fsync"));
        Assert.Equal("300", await ScalarAsync(connection, "SHOW max_connections"));
        Assert.Equal("127.0.0.1", await ScalarAsync(connection, "SHOW listen_addresses"));
        Assert.Equal(server.Port.ToString(CultureInfo.InvariantCulture), await ScalarAsync(connection, "SHOW port"));
        Assert.Equal("UTF8", await ScalarAsync(connection, "SHOW server_encoding"));
        Assert.True(ProcFs.IsRunning(server.ProcessId));
        if (Environment.UserName == "root")
            Assert.NotEqual(0, ProcFs.UidOf(server.ProcessId));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Two_servers_get_different_ports_and_folders()
    {
        var servers = await Task.WhenAll(
            PostgresServer.StartAsync(PostgresFixture.PrivateServerOptions()),
            PostgresServer.StartAsync(PostgresFixture.PrivateServerOptions()));
        try
        {
            Assert.NotEqual(servers[0].Port, servers[1].Port);
            Assert.NotEqual(servers[0].DataDirectory, servers[1].DataDirectory);
            foreach (var server in servers)
            {
                await using var connection = new NpgsqlConnection(server.ConnectionString);
                await connection.OpenAsync();
                Assert.Equal(server.Port.ToString(CultureInfo.InvariantCulture), await ScalarAsync(connection, "SHOW port"));
            }
        }
        finally
        {
            await Task.WhenAll(servers.Select(server => server.StopAsync()));
        }
    }

    [Fact]
    public async Task A_kept_data_directory_keeps_its_data_across_stop_and_start()
    {
        using var folder = new TestFolder();
        var options = () => new PostgresServerOptions
        {
            DataDirectory = Path.Combine(folder.Path, "cluster"),
            Settings = new Dictionary<string, string>(PostgresFixture.FastUnsafeSettings),
        };

        int firstPid;
        await using (var first = await PostgresServer.StartAsync(options()))
        {
            firstPid = first.ProcessId;
            Assert.False(first.IsTemporary);
            await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('survives')");
        }

        Assert.False(ProcFs.IsRunning(firstPid));
        Assert.True(File.Exists(Path.Combine(folder.Path, "cluster", "PG_VERSION")));

        await using var second = await PostgresServer.StartAsync(options());
        await using var connection = new NpgsqlConnection(second.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal("survives", await ScalarAsync(connection, "SELECT value FROM kept"));
    }

    [Fact]
    public async Task A_password_when_set_is_required()
    {
        var options = PostgresFixture.PrivateServerOptions();
        options.User = "exp22";
        options.Password = "s3cret'\"pw";
        await using var server = await PostgresServer.StartAsync(options);

        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            Assert.Equal("exp22", await ScalarAsync(connection, "SELECT current_user"));
        }

        var wrong = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = "wrong", Pooling = false };
        await using var rejected = new NpgsqlConnection(wrong.ConnectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(() => rejected.OpenAsync());
        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }

    [Fact]
    public async Task Stop_leaves_no_process_and_no_folder_behind()
    {
        var server = await PostgresServer.StartAsync(PostgresFixture.PrivateServerOptions());
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            // A client still connected at stop time: a fast shutdown must not wait for it.
            var pids = new[] { server.ProcessId, server.GuardianProcessId }.Concat(ProcFs.ChildrenOf(server.ProcessId)).ToList();
            Assert.True(pids.Count >= 5, $"expected the postmaster, the guardian and the server's workers, saw {pids.Count}");

            await server.StopAsync();

            var stillRunning = pids.Where(ProcFs.IsRunning).ToList();
            Assert.Empty(stillRunning);
            Assert.False(Directory.Exists(server.DataDirectory));
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Killing_the_owning_process_stops_the_server()
    {
        await using var owner = await OwnerProcess.StartAsync(TimeSpan.FromSeconds(90));
        var pids = new[] { owner.PostmasterPid, owner.GuardianPid }.Concat(ProcFs.ChildrenOf(owner.PostmasterPid)).ToList();
        Assert.True(ProcFs.IsRunning(owner.PostmasterPid));
        Assert.True(pids.Count >= 5, $"expected the postmaster, the guardian and the server's workers, saw {pids.Count}");

        await owner.KillAsync();

        Assert.Empty(await ProcFs.WaitUntilGoneAsync(pids, GoneWithin));
        await WaitUntilAsync(() => !Directory.Exists(owner.DataDirectory), GoneWithin);
    }

    [Fact]
    public async Task A_server_that_dies_while_starting_reports_its_log()
    {
        var options = PostgresFixture.PrivateServerOptions();
        options.Settings["shared_buffers"] = "plenty";

        var error = await Assert.ThrowsAsync<PostgresStartException>(() => PostgresServer.StartAsync(options));

        Assert.Contains("shared_buffers", error.Message);
        Assert.Contains("plenty", error.Message);
    }

    private static async Task<string?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (await command.ExecuteScalarAsync())?.ToString();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {timeout}");
            await Task.Delay(50);
        }
    }
}
