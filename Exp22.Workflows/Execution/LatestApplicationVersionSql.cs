using Exp22.Workflows.Storage;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The version a workflow enqueued without one must run (docs/queues-and-schedules.md#application-versions):
/// the version of the most recently started live executor (running, not draining, heartbeat within its
/// timeout), so that the first executor of a new build takes all new work and a rollback takes it back;
/// with none live, the version of the executor seen last; NULL while no executor ever registered, which the
/// next heartbeat adopts. A piece of a statement holding no parameter.
/// </summary>
internal static class LatestApplicationVersionSql
{
    /// <summary>A scalar subquery; a row written before executors recorded their timeout is judged by the default 10 s.</summary>
    public const string Latest = $$"""
        (SELECT v.application_version
         FROM (SELECT e.application_version, e.started_at, e.heartbeat_at,
                      e.state = {{Sql.ExecutorRunning}} AND e.heartbeat_at > now() - coalesce(e.heartbeat_timeout, interval '10 seconds') AS live
               FROM {{Sql.Schema}}.executors e) v
         ORDER BY v.live DESC, CASE WHEN v.live THEN v.started_at ELSE v.heartbeat_at END DESC
         LIMIT 1)
        """;
}
