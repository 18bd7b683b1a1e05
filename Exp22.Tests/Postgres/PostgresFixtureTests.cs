using Exp22.Tests.Infrastructure;
using Npgsql;

namespace Exp22.Tests.Postgres;

public sealed class PostgresFixtureTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Each_call_gives_a_fresh_empty_database()
    {
        var first = await postgres.CreateDatabaseAsync("Fixture-Tests");
        var second = await postgres.CreateDatabaseAsync("Fixture-Tests");

        Assert.NotEqual(first, second);
        Assert.StartsWith("fixture_tests_", new NpgsqlConnectionStringBuilder(first).Database);
        await using (var connection = new NpgsqlConnection(first))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE only_in_first (id int)", connection);
            await create.ExecuteNonQueryAsync();
        }

        await using var other = new NpgsqlConnection(second);
        await other.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", other);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }
}
