using Exp22.Workflows.Client;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Exp22.Workflows.Dashboard.Runs;

/// <summary><c>POST api/runs/{id}/cancel</c>: cancels the run and every workflow in it that has not finished.</summary>
internal static class CancelRunEndpoint
{
    public static void Map(IEndpointRouteBuilder actions) => actions.MapPost("/runs/{id}/cancel", CancelAsync);

    private static async Task<IResult> CancelAsync(
        string id, WorkflowMonitor monitor, WorkflowClient client, CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        if (errors.Id(id, RunEndpoint.IdRoute) is not { } runId)
            return errors.ToProblem();

        // Only runs are addressable, as in the API: the engine's cancel would also take a sub-workflow's id.
        if (await monitor.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is null)
            return RunEndpoint.NotFound(runId);

        return await client.CancelAsync(runId, cancellationToken).ConfigureAwait(false) switch
        {
            CancelOutcome.Cancelled => Results.Accepted(value: new { runId, status = WorkflowStatus.Cancelled }),
            CancelOutcome.AlreadyFinished => Results.Problem(
                title: "Run already finished", detail: $"Run {runId} has already finished; there is nothing to cancel.",
                statusCode: StatusCodes.Status409Conflict),
            _ => RunEndpoint.NotFound(runId),
        };
    }
}
