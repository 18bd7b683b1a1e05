using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Dashboard.Runs;

/// <summary><c>GET api/runs?status=&amp;from=&amp;to=&amp;search=&amp;queue=&amp;limit=</c>: runs newest first, each with its progress.</summary>
internal static class RunListEndpoint
{
    public const string StatusQuery = "status";
    public const string FromQuery = "from";
    public const string ToQuery = "to";
    public const string SearchQuery = "search";
    public const string QueueQuery = "queue";
    public const string LimitQuery = "limit";
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static void Map(IEndpointRouteBuilder api) => api.MapGet("/runs", GetAsync);

    private static async Task<IResult> GetAsync(
        [FromQuery(Name = StatusQuery)] string? status,
        [FromQuery(Name = FromQuery)] string? from,
        [FromQuery(Name = ToQuery)] string? to,
        [FromQuery(Name = SearchQuery)] string? search,
        [FromQuery(Name = QueueQuery)] string? queue,
        [FromQuery(Name = LimitQuery)] string? limit,
        WorkflowMonitor monitor,
        IOptions<WorkflowsDashboardOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        UuidPrefix? prefix = null;
        if (!string.IsNullOrWhiteSpace(search) && !UuidPrefix.TryParse(search, out prefix))
            errors.Add(SearchQuery, $"{SearchQuery} must be the start of an id: 1 to {UuidPrefix.MaxDigits} hex digits, dashes allowed.");
        var filter = new RunFilter(
            errors.Status(status, StatusQuery), errors.Time(from, FromQuery), errors.Time(to, ToQuery), prefix,
            errors.Integer(limit, LimitQuery, 1, MaxLimit, DefaultLimit), string.IsNullOrEmpty(queue) ? null : queue);
        if (filter.From > filter.To)
            errors.Add(FromQuery, $"{FromQuery} must not be later than {ToQuery}.");
        if (errors.Any)
            return errors.ToProblem();

        var listing = await monitor.ListRunsAsync(filter, cancellationToken).ConfigureAwait(false);
        var stepsTotal = options.Value.StepsTotal;
        return Results.Ok(new RunListResponse(listing.Now, [.. listing.Runs.Select(run => new RunListItem(
            run.RunId, run.WorkflowName, run.Status, run.Queue, run.Error, run.CreatedAt, run.StartedAt, run.CompletedAt,
            RunProgress.Of(run.Status, run.StepsDone, stepsTotal?.Invoke(run.WorkflowName, run.Input), run.Workflows,
                run.WorkflowsFinished)))]));
    }

    private sealed record RunListResponse(DateTimeOffset Now, IReadOnlyList<RunListItem> Runs);

    private sealed record RunListItem(
        Guid RunId,
        string WorkflowName,
        string Status,
        string Queue,
        string? Error,
        DateTimeOffset CreatedAt,
        DateTimeOffset? StartedAt,
        DateTimeOffset? CompletedAt,
        RunProgress Progress);
}
