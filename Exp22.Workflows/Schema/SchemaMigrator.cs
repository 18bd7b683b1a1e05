using Microsoft.Extensions.Logging;
using Npgsql;

namespace Exp22.Workflows.Schema;

/// <summary>
/// Brings the engine's schema to the latest version. Several processes (the API and every executor)
/// start at once, so the whole check-and-apply runs under one transaction-scoped advisory lock:
/// the first process migrates, the others wait and then find nothing left to do.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // An arbitrary constant that names "the exp22 schema" among the advisory locks of this database.
    private const long MigrationLockKey = 0x45_78_70_32_32; // "Exp22"

    public static int LatestVersion => Migrations.All[^1].Version;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var command = new NpgsqlCommand(
            """
            SELECT pg_advisory_xact_lock(@key);
            CREATE SCHEMA IF NOT EXISTS exp22;
            CREATE TABLE IF NOT EXISTS exp22.schema_version (
                version     integer PRIMARY KEY,
                description text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            );
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var current = await ReadVersionAsync(connection, transaction, cancellationToken);
        foreach (var (version, description, sql) in Migrations.All.Where(m => m.Version > current))
        {
            await using var migrate = new NpgsqlCommand(sql, connection, transaction);
            await migrate.ExecuteNonQueryAsync(cancellationToken);

            await using var record = new NpgsqlCommand(
                "INSERT INTO exp22.schema_version (version, description) VALUES (@version, @description)",
                connection, transaction);
            record.Parameters.AddWithValue("version", version);
            record.Parameters.AddWithValue("description", description);
            await record.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Applied schema migration {Version}: {Description}", version, description);
        }

        await transaction.CommitAsync(cancellationToken);
        if (current == LatestVersion)
            logger.LogDebug("Schema is at version {Version}", current);
    }

    private static async Task<int> ReadVersionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(max(version), 0) FROM exp22.schema_version", connection, transaction);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
