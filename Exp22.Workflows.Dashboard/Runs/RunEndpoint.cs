using System.Text.Json;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Dashboard.Runs;

/// <summary>
/// <c>GET api/runs/{id}</c>: the run's tree (run → sub-workflows → steps) with progress at every level, the
/// handovers, full errors, and the link to its trace when <see cref="WorkflowsDashboardOptions.TraceUrlTemplate"/> is set.
/// </summary>
internal static class RunEndpoint
{
    public const string IdRoute = "id";

    public static void Map(IEndpointRouteBuilder api) => api.MapGet("/runs/{id}", GetAsync);

    private static async Task<IResult> GetAsync(
        string id, WorkflowMonitor monitor, IOptions<WorkflowsDashboardOptions> options, CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        if (errors.Id(id, IdRoute) is not { } runId)
            return errors.ToProblem();

        var tree = await monitor.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (tree is null)
            return NotFound(runId);

        var settings = options.Value;
        var traceUrl = tree.TraceId is { } traceId && settings.TraceUrlTemplate is { } template
            ? template.Replace(WorkflowsDashboardOptions.TraceIdPlaceholder, traceId, StringComparison.Ordinal)
            : null;
        return Results.Ok(new RunResponse(tree.Now, tree.TraceId, traceUrl, Node(tree.Root, settings.StepsTotal)));
    }

    public static IResult NotFound(Guid runId) =>
        Results.Problem(title: "Run not found", detail: $"No run has the id {runId}.", statusCode: StatusCodes.Status404NotFound);

    private static WorkflowNode Node(WorkflowView view, Func<string, JsonElement, int?>? stepsTotal)
    {
        var children = view.Children.Select(c => Node(c, stepsTotal)).ToList();
        var progress = RunProgress.Of(
            view.Status, view.StepsDoneInTree, stepsTotal?.Invoke(view.WorkflowName, view.Input),
            1 + children.Sum(c => c.Progress.Workflows),
            (WorkflowStatus.IsTerminal(view.Status) ? 1 : 0) + children.Sum(c => c.Progress.WorkflowsFinished));
        return new WorkflowNode(
            view.Id, view.ChildIndex, view.WorkflowName, view.Status, view.Queue, view.ExecutorId, view.Attempt,
            view.ApplicationVersion, view.Input, view.Output, view.Error, view.ErrorDetail, view.WaitingForChildren,
            view.CreatedAt, view.StartedAt, view.ClaimedAt, view.CompletedAt, progress, view.Steps, view.Handovers, children);
    }

    private sealed record RunResponse(DateTimeOffset Now, string? TraceId, string? TraceUrl, WorkflowNode Run);

    private sealed record WorkflowNode(
        Guid Id,
        int? ChildIndex,
        string WorkflowName,
        string Status,
        string Queue,
        string? ExecutorId,
        int Attempt,
        string? ApplicationVersion,
        JsonElement Input,
        JsonElement? Output,
        string? Error,
        string? ErrorDetail,
        bool WaitingForChildren,
        DateTimeOffset CreatedAt,
        DateTimeOffset? StartedAt,
        DateTimeOffset? ClaimedAt,
        DateTimeOffset? CompletedAt,
        RunProgress Progress,
        IReadOnlyList<StepView> Steps,
        IReadOnlyList<HandoverView> Handovers,
        IReadOnlyList<WorkflowNode> Children);
}
