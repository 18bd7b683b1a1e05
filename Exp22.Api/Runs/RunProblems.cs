using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Runs;

public static class RunProblems
{
    public static ProblemHttpResult NotFound(Guid runId) => TypedResults.Problem(
        title: "Run not found",
        detail: $"No run has id {runId}.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult AlreadyFinished(Guid runId) => TypedResults.Problem(
        title: "Run already finished",
        detail: $"Run {runId} has already finished (SUCCESS, ERROR, CANCELLED or MAX_RECOVERY_EXCEEDED); there is nothing to cancel.",
        statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult NotResumable(Guid runId) => TypedResults.Problem(
        title: "Run not resumable",
        detail: $"Run {runId} is enqueued, running or succeeded; only a run that ended CANCELLED, ERROR or MAX_RECOVERY_EXCEEDED can be resumed.",
        statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult FinishedTakesNoMessage(Guid runId, string status) => TypedResults.Problem(
        title: "Run already finished",
        detail: $"Run {runId} has finished ({status}); nothing would ever receive the message, so it was not stored.",
        statusCode: StatusCodes.Status409Conflict,
        extensions: new Dictionary<string, object?> { ["runStatus"] = status });

    public static ProblemHttpResult NoEvent(Guid runId, string key) => TypedResults.Problem(
        title: "Event not published yet",
        detail: $"Run {runId} has not published a value for event '{key}' yet.",
        statusCode: StatusCodes.Status404NotFound);
}
