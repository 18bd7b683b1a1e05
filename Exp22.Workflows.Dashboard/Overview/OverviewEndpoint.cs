using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Exp22.Workflows.Dashboard.Overview;

/// <summary><c>GET api/overview?minutes=</c>: counts by status, queue depths, and the started/finished series.</summary>
internal static class OverviewEndpoint
{
    public const string MinutesQuery = "minutes";
    public const int DefaultMinutes = 5;
    public const int MaxMinutes = 60;

    /// <summary>The series always has this many points, whatever the window.</summary>
    public const int Points = 60;

    public static void Map(IEndpointRouteBuilder api) => api.MapGet("/overview", GetAsync);

    private static async Task<IResult> GetAsync(
        [FromQuery(Name = MinutesQuery)] string? minutes, WorkflowMonitor monitor, CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        var window = TimeSpan.FromMinutes(errors.Integer(minutes, MinutesQuery, 1, MaxMinutes, DefaultMinutes));
        if (errors.Any)
            return errors.ToProblem();

        var overview = await monitor.GetOverviewAsync(window, window / Points, cancellationToken).ConfigureAwait(false);
        return Results.Ok(new OverviewResponse(
            overview.Now, overview.Window.TotalSeconds, overview.Bucket.TotalSeconds,
            overview.Statuses, overview.Throughput, overview.Queues));
    }

    private sealed record OverviewResponse(
        DateTimeOffset Now,
        double WindowSeconds,
        double BucketSeconds,
        IReadOnlyList<StatusCount> Statuses,
        IReadOnlyList<ThroughputPoint> Throughput,
        IReadOnlyList<QueueDepth> Queues);
}
