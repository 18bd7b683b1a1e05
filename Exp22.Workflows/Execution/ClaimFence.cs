using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The condition every write for a claimed workflow carries (docs/design.md#fencing-every-write-carries-executor_id-attempt-status--running): the row
/// is still this executor's, in this attempt, and still running. Once another claim bumps the attempt
/// or the run ends, the write matches no row.
/// </summary>
internal static class ClaimFence
{
    /// <summary>A WHERE condition on the workflow row aliased <c>w</c>; its parameters come from <see cref="AddParameters"/>.</summary>
    public const string Holds = $"w.executor_id = @executor_id AND w.attempt = @attempt AND w.status = {Sql.Running}";

    public static void AddParameters(NpgsqlParameterCollection parameters, ClaimedWorkflow workflow)
    {
        parameters.Add(new NpgsqlParameter<string>("executor_id", workflow.ExecutorId));
        parameters.Add(new NpgsqlParameter<int>("attempt", workflow.Attempt));
    }
}
