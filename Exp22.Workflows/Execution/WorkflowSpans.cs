using System.Diagnostics;
using Exp22.Workflows.Telemetry;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The spans of executions and steps. An execution's parent is the context stored with its workflow
/// row, so every execution of a run, on any executor, after any handover, lands in the client's trace.
/// </summary>
internal static class WorkflowSpans
{
    public static Activity? StartExecution(ClaimedWorkflow workflow)
    {
        workflow.TraceContext.TryGetContext(out var parent);
        var activity = WorkflowTelemetry.Source.StartActivity($"workflow {workflow.Name}", ActivityKind.Consumer, parent);
        if (activity is null)
            return null;

        activity.SetTag(WorkflowTelemetry.WorkflowNameTag, workflow.Name);
        activity.SetTag(WorkflowTelemetry.WorkflowIdTag, workflow.Id.ToString());
        activity.SetTag(WorkflowTelemetry.RunIdTag, workflow.RunId.ToString());
        if (workflow.ParentId is { } parentId)
            activity.SetTag(WorkflowTelemetry.ParentIdTag, parentId.ToString());
        activity.SetTag(WorkflowTelemetry.AttemptTag, workflow.Attempt);
        activity.SetTag(WorkflowTelemetry.ExecutorIdTag, workflow.ExecutorId);
        activity.SetTag(WorkflowTelemetry.QueueTag, workflow.Queue);
        return activity;
    }

    public static void CountClaim(ClaimedWorkflow workflow)
    {
        var tags = WorkflowTelemetry.WorkflowTags(workflow.Name, workflow.Queue);
        WorkflowTelemetry.Claimed.Add(1, tags);
        if (workflow.Attempt == 1)
            WorkflowTelemetry.StartLatency.Record(Math.Max(0, (workflow.ClaimedAt - workflow.CreatedAt).TotalSeconds), tags);
    }

    /// <summary>
    /// A later attempt replays the workflow from its checkpoints: after a parent's wake-up, a drain's
    /// handover or a recovery from a dead executor. The event says so on this execution's span.
    /// </summary>
    public static void MarkResumed(Activity? activity, ClaimedWorkflow workflow) =>
        activity?.AddEvent(new ActivityEvent("exp22.workflow.resumed", tags: new ActivityTagsCollection
        {
            [WorkflowTelemetry.AttemptTag] = workflow.Attempt,
            [WorkflowTelemetry.ExecutorIdTag] = workflow.ExecutorId,
        }));

    /// <summary>Marks, on the span of an execution being stopped, that a drain gave it to another executor.</summary>
    public static void MarkHandedOver(Activity? activity, string executorId) =>
        activity?.AddEvent(new ActivityEvent("exp22.workflow.handed_over", tags: new ActivityTagsCollection
        {
            [WorkflowTelemetry.ExecutorIdTag] = executorId,
        }));

    public static void RecordFailure(Activity? activity, ClaimedWorkflow workflow, Exception? error)
    {
        WorkflowTelemetry.Failed.Add(1, WorkflowTelemetry.WorkflowTags(workflow.Name, workflow.Queue));
        activity?.SetStatus(ActivityStatusCode.Error, error?.Message ?? "no such workflow registered");
        if (error is not null)
            activity?.AddException(error);
    }

    public static Activity? StartStep(ClaimedWorkflow workflow, int seq, string name)
    {
        var activity = WorkflowTelemetry.Source.StartActivity($"step {name}");
        if (activity is null)
            return null;

        activity.SetTag(WorkflowTelemetry.StepNameTag, name);
        activity.SetTag(WorkflowTelemetry.StepIndexTag, seq);
        activity.SetTag(WorkflowTelemetry.WorkflowNameTag, workflow.Name);
        activity.SetTag(WorkflowTelemetry.WorkflowIdTag, workflow.Id.ToString());
        activity.SetTag(WorkflowTelemetry.RunIdTag, workflow.RunId.ToString());
        activity.SetTag(WorkflowTelemetry.AttemptTag, workflow.Attempt);
        activity.SetTag(WorkflowTelemetry.ExecutorIdTag, workflow.ExecutorId);
        return activity;
    }

    public static void EndStep(Activity? activity, ClaimedWorkflow workflow, TimeSpan duration, int tries, string? error)
    {
        var outcome = error is null ? "success" : "error";
        var tags = WorkflowTelemetry.WorkflowTags(workflow.Name, workflow.Queue);
        tags.Add(WorkflowTelemetry.OutcomeTag, outcome);
        WorkflowTelemetry.StepDuration.Record(duration.TotalSeconds, tags);
        if (activity is null)
            return;
        activity.SetTag(WorkflowTelemetry.StepTriesTag, tries);
        activity.SetTag(WorkflowTelemetry.OutcomeTag, outcome);
        if (error is not null)
            activity.SetStatus(ActivityStatusCode.Error, error);
    }
}
