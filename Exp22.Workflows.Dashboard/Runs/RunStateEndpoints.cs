using Exp22.Workflows.Client;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Exp22.Workflows.Dashboard.Runs;

/// <summary>
/// <c>POST api/runs/{id}/cancel</c> (the run and every workflow in it that has not finished) and
/// <c>POST api/runs/{id}/resume</c> (a run that ended CANCELLED, ERROR or MAX_RECOVERY_EXCEEDED goes back on
/// the queue, to continue from its last checkpoint).
/// </summary>
internal static class RunStateEndpoints
{
    public static void Map(IEndpointRouteBuilder actions)
    {
        actions.MapPost("/runs/{id}/cancel", CancelAsync);
        actions.MapPost("/runs/{id}/resume", ResumeAsync);
    }

    private static Task<IResult> CancelAsync(
        string id, WorkflowMonitor monitor, WorkflowClient client, CancellationToken cancellationToken) =>
        OnRunAsync(id, monitor, async runId => await client.CancelAsync(runId, cancellationToken).ConfigureAwait(false) switch
        {
            CancelOutcome.Cancelled => Results.Accepted(value: new { runId, status = WorkflowStatus.Cancelled }),
            CancelOutcome.AlreadyFinished => Results.Problem(
                title: "Run already finished", detail: $"Run {runId} has already finished; there is nothing to cancel.",
                statusCode: StatusCodes.Status409Conflict),
            _ => RunEndpoint.NotFound(runId),
        }, cancellationToken);

    private static Task<IResult> ResumeAsync(
        string id, WorkflowMonitor monitor, WorkflowClient client, CancellationToken cancellationToken) =>
        OnRunAsync(id, monitor, async runId => await client.ResumeAsync(runId, cancellationToken).ConfigureAwait(false) switch
        {
            ResumeOutcome.Resumed => Results.Accepted(value: new { runId, status = WorkflowStatus.Enqueued }),
            ResumeOutcome.NotResumable => Results.Problem(
                title: "Run not resumable",
                detail: $"Run {runId} is enqueued, running or succeeded; only a CANCELLED, ERROR or MAX_RECOVERY_EXCEEDED run resumes.",
                statusCode: StatusCodes.Status409Conflict),
            _ => RunEndpoint.NotFound(runId),
        }, cancellationToken);

    // Only runs are addressable, as in the API: the engine's cancel and resume would also take a sub-workflow's id.
    private static async Task<IResult> OnRunAsync(
        string id, WorkflowMonitor monitor, Func<Guid, Task<IResult>> act, CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        if (errors.Id(id, RunEndpoint.IdRoute) is not { } runId)
            return errors.ToProblem();
        if (await monitor.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is null)
            return RunEndpoint.NotFound(runId);
        return await act(runId).ConfigureAwait(false);
    }
}
