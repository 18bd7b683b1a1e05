namespace Exp22.Workflows.Dashboard.Runs;

/// <summary>
/// A progress bar's figures: checkpointed steps against the total the host can tell
/// (<see cref="WorkflowsDashboardOptions.StepsTotal"/>), or else finished workflows against those started so far.
/// </summary>
internal sealed record RunProgress(int StepsDone, int? StepsTotal, int Workflows, int WorkflowsFinished, int Percent)
{
    public static RunProgress Of(string status, int stepsDone, int? stepsTotal, int workflows, int workflowsFinished)
    {
        var percent = status == WorkflowStatus.Success ? 100
            : stepsTotal > 0 ? Math.Min(100, 100 * stepsDone / stepsTotal.Value)
            : workflows > 0 ? 100 * workflowsFinished / workflows
            : 0;
        return new RunProgress(stepsDone, stepsTotal, workflows, workflowsFinished, percent);
    }
}
