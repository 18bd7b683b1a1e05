using System.Diagnostics;

namespace Exp22.Workflows.Execution;

/// <summary>One claimed workflow while this executor runs it.</summary>
internal sealed class InFlightWorkflow(ClaimedWorkflow workflow)
{
    public ClaimedWorkflow Workflow { get; } = workflow;

    public WorkflowProgress Progress { get; } = new();

    /// <summary>Cancelled when the workflow is cancelled by a client or handed to another executor.</summary>
    /// <remarks>
    /// Never disposed: a drain or a cancel notification may still cancel it just after the execution
    /// ended, and cancelling a disposed source throws ObjectDisposedException, which would fail the drain
    /// and with it the host's stop. Without a timer or linked tokens it holds nothing to dispose.
    /// </remarks>
    public CancellationTokenSource Cancellation { get; } = new();

    public Task Execution { get; set; } = Task.CompletedTask;

    /// <summary>The span of this execution, when one is recorded; a drain marks its handover there.</summary>
    public Activity? Activity { get; set; }

    public InFlightWorkflowStatus ToStatus() => new(
        Workflow.Id, Workflow.RunId, Workflow.ParentId, Workflow.Name, Workflow.Attempt,
        new DateTimeOffset(Workflow.ClaimedAt, TimeSpan.Zero), Progress.StepsDone, Progress.CurrentStep);
}
