using Exp22.Workflows.Storage;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The parts every crash recovery shares (a survivor's heartbeat, a restarted executor's take-back), so
/// that both count recoveries the same way. Pieces of statements, not values: they hold no parameter.
/// </summary>
internal static class CrashRecoverySql
{
    /// <summary>A select-list column: the workflow's checkpoints and started children, its durable progress.</summary>
    public const string ProgressColumn = $$"""
        (SELECT count(*) FROM {{Sql.Schema}}.steps s WHERE s.workflow_id = w.id)
          + (SELECT count(*) FROM {{Sql.Schema}}.workflows c WHERE c.parent_id = w.id) AS progress
        """;

    /// <summary>The SET list of the recovering UPDATE: <c>w</c> is the workflow, <c>a.progress</c> its progress now.</summary>
    public const string SetRecovered = $$"""
        status = {{Sql.Enqueued}},
        executor_id = NULL,
        recoveries = w.recoveries + 1,
        recoveries_without_progress = CASE WHEN a.progress > w.recovery_progress THEN 1
                                           ELSE w.recoveries_without_progress + 1 END,
        recovery_progress = a.progress,
        recovered_from = w.executor_id,
        recovered_at = now()
        """;
}
