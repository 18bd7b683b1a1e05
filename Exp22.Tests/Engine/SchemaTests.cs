using System.Globalization;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows.Schema;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exp22.Tests.Engine;

public sealed class SchemaTests
{
    private static async Task<int> CountAsync(string database, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Migration_brings_an_empty_database_to_the_latest_version_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);

        await migrator.MigrateAsync(CancellationToken.None);
        await migrator.MigrateAsync(CancellationToken.None);

        Assert.Equal(SchemaMigrator.LatestVersion, await CountAsync(database, "SELECT max(version) FROM exp22.schema_version"));
        Assert.Equal(SchemaMigrator.LatestVersion, await CountAsync(database, "SELECT count(*) FROM exp22.schema_version"));
        Assert.Equal(3, await CountAsync(database,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'exp22' AND table_name IN ('workflows', 'steps', 'executors')"));
    }

    [Fact]
    public async Task Processes_migrating_at_once_apply_each_migration_exactly_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        // Each migrator has its own pool, so each is a separate session as separate processes would be.
        var dataSources = Enumerable.Range(0, 6).Select(_ => NpgsqlDataSource.Create(database)).ToList();
        try
        {
            using var start = new Barrier(dataSources.Count);
            await Task.WhenAll(dataSources.Select(ds => Task.Run(async () =>
            {
                start.SignalAndWait();
                await new SchemaMigrator(ds, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
            })));
        }
        finally
        {
            foreach (var ds in dataSources)
                await ds.DisposeAsync();
        }

        Assert.Equal(SchemaMigrator.LatestVersion, await CountAsync(database, "SELECT count(*) FROM exp22.schema_version"));
    }
}
