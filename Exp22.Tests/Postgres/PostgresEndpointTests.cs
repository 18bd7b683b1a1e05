using Exp22.Harness.Postgres;
using Exp22.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Exp22.Tests.Postgres;

public sealed class PostgresEndpointTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task An_external_connection_string_is_used_without_launching()
    {
        var external = (await postgres.EndpointAsync()).ConnectionString;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:exp22db"] = external })
            .Build();
        var launched = false;

        var endpoint = await PostgresEndpoint.ResolveAsync(configuration, () =>
        {
            launched = true;
            return PostgresFixture.PrivateServerOptions();
        });
        var database = PostgresFixture.UniqueName("external");
        await endpoint.CreateDatabaseAsync(database);
        await endpoint.CreateDatabaseAsync(database); // idempotent
        await endpoint.DisposeAsync();

        Assert.False(launched);
        Assert.True(endpoint.IsExternal);
        Assert.Null(endpoint.Server);
        Assert.Equal(external, endpoint.ConnectionString);
        // Disposing did not stop the external server, and the database is there.
        await using var connection = new NpgsqlConnection(endpoint.GetConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal(database, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Without_a_connection_string_a_private_server_starts_and_stops_with_the_endpoint()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:other"] = "Host=elsewhere" })
            .Build();

        var endpoint = await PostgresEndpoint.ResolveAsync(configuration, PostgresFixture.PrivateServerOptions);
        var server = endpoint.Server;
        try
        {
            Assert.False(endpoint.IsExternal);
            Assert.NotNull(server);
            Assert.Equal(server.ConnectionString, endpoint.ConnectionString);
            await using var connection = new NpgsqlConnection(endpoint.ConnectionString);
            await connection.OpenAsync();
        }
        finally
        {
            await endpoint.DisposeAsync();
        }

        Assert.False(ProcFs.IsRunning(server.ProcessId));
    }
}
