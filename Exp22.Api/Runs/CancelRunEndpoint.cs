using Exp22.Api.OpenApi;
using Exp22.Api.Security;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Runs;

/// <summary><c>POST /runs/{id}/cancel</c>: cancels the run and every sub-workflow that has not finished.</summary>
public static partial class CancelRunEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/runs/{id}/cancel", CancelAsync)
            .WithName("CancelRun")
            .WithSummary("Cancel a run and its unfinished sub-workflows")
            .WithDescription("202 once the run is marked CANCELLED; executors running its workflows stop them at their next step. " +
                "409 when the run had already finished. When Api:AdminKey is set, the X-Api-Key header must carry it (else 401).")
            .WithRunIdPath()
            .RequireAdminKey()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    public static Task<Results<Accepted<RunAccepted>, ValidationProblem, ProblemHttpResult>> CancelAsync(
        string id, WorkflowClient client, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        RunAction.ApplyAsync(id, client, WorkflowStatus.Cancelled, async runId =>
        {
            var outcome = await client.CancelAsync(runId, cancellationToken);
            var logger = loggers.CreateLogger(typeof(CancelRunEndpoint));
            if (outcome == CancelOutcome.Cancelled)
                LogCancelled(logger, runId);
            return outcome switch
            {
                CancelOutcome.Cancelled => null,
                CancelOutcome.AlreadyFinished => RunProblems.AlreadyFinished(runId),
                _ => RunProblems.NotFound(runId),
            };
        }, cancellationToken);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Cancelled run {RunId} and its unfinished sub-workflows")]
    private static partial void LogCancelled(ILogger logger, Guid runId);
}
