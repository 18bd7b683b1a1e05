using Exp22.Workflows.Execution;
using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Monitoring;

/// <summary>
/// The application versions that have live executors or unfinished work, and which of them nobody can
/// run: work of a version without a live executor waits (enqueued, or held by its dead executor) until
/// an executor of that version starts (docs/queues-and-schedules.md#application-versions).
/// </summary>
internal sealed class VersionReader(NpgsqlDataSource dataSource)
{
    private static readonly TimeSpan DefaultHeartbeatTimeout = new WorkflowsOptions().HeartbeatTimeout;

    // Live: not stopped and heard from within its timeout; of those, running ones claim, draining ones
    // are on their way out. NULL is the unpinned work the next heartbeat adopts.
    private const string VersionsSql = $$"""
        WITH alive AS (
            SELECT e.id, e.application_version, e.state
            FROM {{Sql.Schema}}.executors e
            WHERE e.state IN ({{Sql.ExecutorRunning}}, {{Sql.ExecutorDraining}}, {{Sql.ExecutorStarting}})
              AND e.heartbeat_at > now() - coalesce(e.heartbeat_timeout, @default_timeout)),
        work AS (
            SELECT w.application_version,
                   count(*) FILTER (WHERE w.status = {{Sql.Enqueued}}) AS queued,
                   count(*) FILTER (WHERE w.status = {{Sql.Running}}) AS running
            FROM {{Sql.Schema}}.workflows w
            WHERE w.status IN ({{Sql.Enqueued}}, {{Sql.Running}})
            GROUP BY w.application_version),
        versions AS (
            SELECT application_version FROM alive
            UNION
            SELECT application_version FROM work),
        latest AS (
            SELECT {{LatestApplicationVersionSql.Latest}} AS application_version)
        SELECT v.application_version,
               v.application_version IS NOT DISTINCT FROM (SELECT application_version FROM latest),
               coalesce((SELECT array_agg(a.id ORDER BY a.id) FROM alive a
                         WHERE a.application_version = v.application_version AND a.state <> {{Sql.ExecutorDraining}}), '{}'),
               coalesce((SELECT array_agg(a.id ORDER BY a.id) FROM alive a
                         WHERE a.application_version = v.application_version AND a.state = {{Sql.ExecutorDraining}}), '{}'),
               coalesce(w.queued, 0)::int, coalesce(w.running, 0)::int
        FROM versions v
        LEFT JOIN work w ON w.application_version IS NOT DISTINCT FROM v.application_version
        ORDER BY v.application_version NULLS FIRST
        """;

    public async Task<FleetVersions> ReadAsync(CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(VersionsSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter("default_timeout", DefaultHeartbeatTimeout));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        var versions = new List<VersionView>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var version = reader.GetStringOrNull(0);
            var executors = reader.GetFieldValue<string[]>(2);
            var queued = reader.GetInt32(4);
            var running = reader.GetInt32(5);
            versions.Add(new VersionView(
                version, reader.GetBoolean(1), executors, reader.GetFieldValue<string[]>(3), queued, running,
                Stranded: version is not null && executors.Length == 0 && queued + running > 0));
        }

        var latest = versions.FirstOrDefault(v => v.Latest)?.ApplicationVersion;
        return new FleetVersions(latest, versions);
    }
}
