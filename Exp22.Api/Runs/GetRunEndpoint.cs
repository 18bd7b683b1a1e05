using Exp22.Api.OpenApi;
using Exp22.Api.Validation;
using Exp22.Workflows.Client;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Runs;

/// <summary><c>GET /runs/{id}</c>: the run's tree with progress.</summary>
public static class GetRunEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/runs/{id}", GetAsync)
            .WithName("GetRun")
            .WithSummary("A run with its sub-workflows and their steps")
            .WithDescription("Statuses, executor ids, attempts, timestamps and errors at every level; progress counts " +
                "step checkpoints against subWorkflows x stepsPerWorkflow.")
            .WithRunIdPath()
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<RunDetails>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string id, WorkflowClient client, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!RunIds.TryParse(id, errors, out var runId))
            return errors.ToProblem();

        var root = await client.GetRunAsync(runId, cancellationToken);
        return root is null ? RunProblems.NotFound(runId) : TypedResults.Ok(RunDetailsMapper.ToDetails(root));
    }
}
