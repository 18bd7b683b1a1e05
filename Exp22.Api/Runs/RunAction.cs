using Exp22.Api.Validation;
using Exp22.Workflows.Client;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Runs;

/// <summary>What cancel and resume share: the run they address, and their 202 answer once the engine did it.</summary>
internal static class RunAction
{
    /// <param name="act">The engine's action on the run; null when done, else the problem to answer.</param>
    /// <param name="validate">The action's other inputs, checked once the id is good.</param>
    public static async Task<Results<Accepted<RunAccepted>, ValidationProblem, ProblemHttpResult>> ApplyAsync(
        string id, WorkflowClient client, string statusAfter, Func<Guid, Task<ProblemHttpResult?>> act,
        CancellationToken cancellationToken, Action<FieldErrors>? validate = null)
    {
        var errors = new FieldErrors();
        if (!RunIds.TryParse(id, errors, out var runId))
            return errors.ToProblem();
        validate?.Invoke(errors);
        if (errors.Any)
            return errors.ToProblem();

        // Only a run (a root workflow) is addressable here, as in GET /runs/{id}: the engine's cancel and
        // resume would also take a sub-workflow's id. (This reads the run's tree; these actions are rare.)
        if (await client.GetRunAsync(runId, cancellationToken) is null)
            return RunProblems.NotFound(runId);
        if (await act(runId) is { } problem)
            return problem;

        var statusUrl = RunUrls.Status(runId);
        return TypedResults.Accepted(statusUrl, new RunAccepted(runId, statusAfter, statusUrl));
    }
}
