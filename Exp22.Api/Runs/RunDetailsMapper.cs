using System.Text.Json;
using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Api.Runs;

/// <summary>
/// Turns the engine's workflow tree into the API's run tree. Progress counts step checkpoints; the
/// totals come from the root's <see cref="DemoRunInput"/>, so they are known only for demo runs.
/// </summary>
public static class RunDetailsMapper
{
    public static RunDetails ToDetails(WorkflowNode root)
    {
        var demo = DemoInputOf(root);
        return new RunDetails(
            root.Id, root.WorkflowName, root.Status, root.Queue, root.ExecutorId, root.Attempt,
            root.Input, root.Output, root.Error, root.CreatedAt, root.StartedAt, root.CompletedAt, RecoveryOf(root),
            new RunProgress(root.StepsDoneInTree, demo?.SubWorkflows * demo?.StepsPerWorkflow),
            ToSteps(root.Steps),
            ToSubWorkflows(root.Children, demo?.StepsPerWorkflow));
    }

    private static IReadOnlyList<SubWorkflowDetails> ToSubWorkflows(IReadOnlyList<WorkflowNode> children, int? stepsEach) =>
        [.. children.Select((child, i) => new SubWorkflowDetails(
            child.Id, i + 1, child.WorkflowName, child.Status, child.ExecutorId, child.Attempt,
            child.Output, child.Error, child.CreatedAt, child.StartedAt, child.CompletedAt, RecoveryOf(child),
            new RunProgress(child.StepsDoneInTree, stepsEach),
            ToSteps(child.Steps),
            ToSubWorkflows(child.Children, null)))];

    public static IReadOnlyList<StepDetails> ToSteps(IReadOnlyList<StepNode> steps) =>
        [.. steps.Select((step, i) => new StepDetails(
            i + 1, step.Name, step.Status, step.ExecutorId, step.Attempt, step.Tries,
            step.StartedAt, step.CompletedAt, step.Error, step.Output))];

    private static RecoveryDetails? RecoveryOf(WorkflowNode node) =>
        node.Recoveries == 0 ? null : new RecoveryDetails(node.Recoveries, node.RecoveriesWithoutProgress, node.LastRecoveredFrom, node.LastRecoveredAt);

    private static DemoRunInput? DemoInputOf(WorkflowNode root)
    {
        if (root.WorkflowName != DemoWorkflows.Run)
            return null;
        try
        {
            return root.Input.Deserialize<DemoRunInput>(WorkflowJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
