using Exp22.Api.OpenApi;
using Exp22.Api.Validation;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Exp22.Api.Runs;

/// <summary><c>GET /runs?status=&amp;limit=</c>: runs newest first.</summary>
public static class ListRunsEndpoint
{
    public const string StatusQuery = "status";
    public const string LimitQuery = "limit";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/runs", ListAsync)
            .WithName("ListRuns")
            .WithSummary("Runs, newest first")
            .WithStatusQuery(StatusQuery, $"Only runs in this status ({string.Join(", ", WorkflowStatus.All)}; any case).")
            .WithIntegerQuery(LimitQuery, RunLimits.ListLimit, RunLimits.DefaultListLimit, "How many runs at most.");

    public static async Task<Results<Ok<RunList>, ValidationProblem>> ListAsync(
        [FromQuery(Name = StatusQuery)] string? status,
        [FromQuery(Name = LimitQuery)] string? limit,
        WorkflowClient client,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var query = new RunQuery(
            QueryValues.Status(status, StatusQuery, errors),
            QueryValues.WholeNumber(limit, LimitQuery, RunLimits.ListLimit, RunLimits.DefaultListLimit, errors));
        if (errors.Any)
            return errors.ToProblem();

        var runs = await client.ListRunsAsync(query, cancellationToken);
        return TypedResults.Ok(new RunList([.. runs.Select(run => new RunListItem(
            run.RunId, run.WorkflowName, run.Status, run.Queue, run.CreatedAt, run.StartedAt, run.CompletedAt,
            run.StepsDone, RunUrls.Status(run.RunId)))]));
    }
}
