using System.Text.Json;
using Exp22.Workflows.Client;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Exp22.Workflows.Dashboard.Runs;

/// <summary>
/// <c>POST api/runs/{id}/fork</c> with <c>{"fromStep": n}</c>: starts a new run of the same workflow and input
/// that replays this run's checkpoints before its n-th (1-based, as the run's page numbers them) and runs the rest.
/// </summary>
internal static class ForkRunEndpoint
{
    public const string FromStepField = "fromStep";

    public static void Map(IEndpointRouteBuilder actions) => actions.MapPost("/runs/{id}/fork", ForkAsync);

    private static async Task<IResult> ForkAsync(
        string id, HttpRequest request, WorkflowMonitor monitor, WorkflowClient client, CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        var runId = errors.Id(id, RunEndpoint.IdRoute);
        var fromStep = await ReadFromStepAsync(request, errors, cancellationToken).ConfigureAwait(false);
        if (runId is not { } run || fromStep is not { } step || errors.Any)
            return errors.ToProblem();

        if (await monitor.GetRunAsync(run, cancellationToken).ConfigureAwait(false) is null
            || await client.ListStepsAsync(run, cancellationToken).ConfigureAwait(false) is not { } steps)
            return RunEndpoint.NotFound(run);

        // The n-th checkpoint as listed, whose engine position may be further on (children take positions too);
        // past the last one, the fork copies them all.
        var position = step <= steps.Count ? steps[step - 1].Index : (steps.Count == 0 ? 0 : steps[^1].Index + 1);
        return await client.ForkAsync(run, position, cancellationToken).ConfigureAwait(false) is { } fork
            ? Results.Accepted(value: new { runId = fork.RunId, forkedFrom = run, fromStep = step, status = WorkflowStatus.Enqueued })
            : RunEndpoint.NotFound(run);
    }

    private static async Task<int?> ReadFromStepAsync(HttpRequest request, QueryErrors errors, CancellationToken cancellationToken)
    {
        const string Expected = FromStepField + " must be an integer of 1 or more (the step to run again, 1-based)";
        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            errors.Add(FromStepField, $"{Expected}; the body is not JSON.");
            return null;
        }

        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(FromStepField, out var value))
        {
            errors.Add(FromStepField, $"{Expected}; it is missing.");
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var step) && step >= 1)
            return step;
        errors.Add(FromStepField, $"{Expected}; got {Shown(value.GetRawText())}.");
        return null;
    }

    private static string Shown(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
