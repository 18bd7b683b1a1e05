using Exp22.Api.OpenApi;
using Exp22.Api.Security;
using Exp22.Api.Validation;
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

    public static async Task<Results<Accepted<RunAccepted>, ValidationProblem, ProblemHttpResult>> CancelAsync(
        string id, WorkflowClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!RunIds.TryParse(id, errors, out var runId))
            return errors.ToProblem();

        // Only a run (a root workflow) is addressable here, as in GET /runs/{id}: the engine's cancel would
        // also take a sub-workflow's id. (This reads the run's tree; cancels are rare.)
        if (await client.GetRunAsync(runId, cancellationToken) is null)
            return RunProblems.NotFound(runId);

        switch (await client.CancelAsync(runId, cancellationToken))
        {
            case CancelOutcome.Cancelled:
                var logger = loggers.CreateLogger(typeof(CancelRunEndpoint));
                LogCancelled(logger, runId);
                var statusUrl = RunUrls.Status(runId);
                return TypedResults.Accepted(statusUrl, new RunAccepted(runId, WorkflowStatus.Cancelled, statusUrl));
            case CancelOutcome.AlreadyFinished:
                return RunProblems.AlreadyFinished(runId);
            default:
                return RunProblems.NotFound(runId);
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Cancelled run {RunId} and its unfinished sub-workflows")]
    private static partial void LogCancelled(ILogger logger, Guid runId);
}
