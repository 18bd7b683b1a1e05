namespace Exp22.Workflows.Storage;

/// <summary>
/// The words every statement of the engine shares, each spelled once: the schema, the workflow statuses and the executor states as
/// SQL literals. Constants, so that a statement built from them is itself a constant (a
/// <c>$$"""</c> raw literal reading <c>{{Sql.Schema}}.workflows</c>), never a value spliced in at run time.
/// The schema is named in the statements rather than through the connection's search path because the
/// data source is the host's: its search path belongs to the host's own tables (docs/design.md#sql-vocabulary).
/// </summary>
internal static class Sql
{
    /// <summary>The schema of the migrations (Schema/Migrations.cs spells it out: migrations are history).</summary>
    public const string Schema = "exp22";

    public const string Enqueued = $"'{WorkflowStatus.Enqueued}'";
    public const string Running = $"'{WorkflowStatus.Running}'";
    public const string Success = $"'{WorkflowStatus.Success}'";
    public const string Error = $"'{WorkflowStatus.Error}'";
    public const string Cancelled = $"'{WorkflowStatus.Cancelled}'";
    public const string MaxRecoveryExceeded = $"'{WorkflowStatus.MaxRecoveryExceeded}'";

    // The states of an executor's row (ExecutorStates.cs).
    public const string ExecutorStarting = $"'{ExecutorStates.Starting}'";
    public const string ExecutorRunning = $"'{ExecutorStates.Running}'";
    public const string ExecutorDraining = $"'{ExecutorStates.Draining}'";
    public const string ExecutorStopped = $"'{ExecutorStates.Stopped}'";
}
