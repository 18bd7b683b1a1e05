using Exp22.Workflows.Client;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Exp22.Workflows.Dashboard.Runs;

/// <summary>
/// <c>POST api/runs/{id}/resume</c>: puts a run that ended CANCELLED, ERROR or MAX_RECOVERY_EXCEEDED back on
/// the queue, to continue from its last checkpoint.
/// </summary>
internal static class ResumeRunEndpoint
{
    public static void Map(IEndpointRouteBuilder actions) => actions.MapPost("/runs/{id}/resume", ResumeAsync);

    private static async Task<IResult> ResumeAsync(
        string id, WorkflowMonitor monitor, WorkflowClient client, CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        if (errors.Id(id, RunEndpoint.IdRoute) is not { } runId)
            return errors.ToProblem();

        // Only runs are addressable, as in the API: the engine's resume would also take a sub-workflow's id.
        if (await monitor.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is null)
            return RunEndpoint.NotFound(runId);

        return await client.ResumeAsync(runId, cancellationToken).ConfigureAwait(false) switch
        {
            ResumeOutcome.Resumed => Results.Accepted(value: new { runId, status = WorkflowStatus.Enqueued }),
            ResumeOutcome.NotResumable => Results.Problem(
                title: "Run not resumable",
                detail: $"Run {runId} is enqueued, running or succeeded; only a CANCELLED, ERROR or MAX_RECOVERY_EXCEEDED run resumes.",
                statusCode: StatusCodes.Status409Conflict),
            _ => RunEndpoint.NotFound(runId),
        };
    }
}
