using Exp22.Workflows.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Exp22.Workflows.Schema;

/// <summary>
/// Brings the engine's schema to the latest version. Several processes (the API and every executor)
/// start at once, so the whole check-and-apply runs under one transaction-scoped advisory lock:
/// the first process migrates, the others wait and then find nothing left to do.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // An arbitrary constant that names "the exp22 schema" among the advisory locks of this database.
    private const long MigrationLockKey = 0x45_78_70_32_32; // "Exp22"

    public static int LatestVersion => Migrations.All[^1].Version;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionDisposal = transaction.ConfigureAwait(false);

        var command = new NpgsqlCommand(
            $$"""
            SELECT pg_advisory_xact_lock(@key);
            CREATE SCHEMA IF NOT EXISTS {{Sql.Schema}};
            CREATE TABLE IF NOT EXISTS {{Sql.Schema}}.schema_version (
                version     integer PRIMARY KEY,
                description text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            );
            """, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var current = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        foreach (var (version, description, sql) in Migrations.All.Where(m => m.Version > current))
        {
            var migrate = new NpgsqlCommand(sql, connection, transaction);
            await using var migrateDisposal = migrate.ConfigureAwait(false);
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

            var record = new NpgsqlCommand(
                $"INSERT INTO {Sql.Schema}.schema_version (version, description) VALUES (@version, @description)",
                connection, transaction);
            await using var recordDisposal = record.ConfigureAwait(false);
            record.Parameters.AddWithValue("version", version);
            record.Parameters.AddWithValue("description", description);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            LogApplied(logger, version, description);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (current == LatestVersion)
            LogAtVersion(logger, current);
    }

    private static async Task<int> ReadVersionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            $"SELECT coalesce(max(version), 0) FROM {Sql.Schema}.schema_version", connection, transaction);
        await using var commandDisposal = command.ConfigureAwait(false);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Applied schema migration {Version}: {Description}")]
    private static partial void LogApplied(ILogger logger, int version, string description);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "Schema is at version {Version}")]
    private static partial void LogAtVersion(ILogger logger, int version);
}
