using Exp22.Workflows.Execution;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Exp22.Workflows.Dashboard.Executors;

/// <summary>
/// <c>GET api/executors</c>: every executor with its state and work in flight. Ages and the drain's time left
/// are computed here on the database's clock, so the page counts down from them whatever its own clock says.
/// Beside them, the application versions with their live executors and stranded work (<see cref="FleetVersions"/>).
/// </summary>
internal static class ExecutorsEndpoint
{
    public static void Map(IEndpointRouteBuilder api) => api.MapGet("/executors", GetAsync);

    private static async Task<IResult> GetAsync(WorkflowMonitor monitor, CancellationToken cancellationToken)
    {
        var fleet = await monitor.ListExecutorsAsync(cancellationToken).ConfigureAwait(false);
        var versions = await monitor.ListVersionsAsync(cancellationToken).ConfigureAwait(false);
        return Results.Ok(new ExecutorsResponse(fleet.Now, versions, [.. fleet.Executors.Select(e => new ExecutorItem(
            e.ExecutorId, e.ApplicationVersion, e.State, e.GoneBecause, e.StartedAt, e.HeartbeatAt,
            (fleet.Now - e.HeartbeatAt).TotalSeconds, e.HeartbeatTimeout.TotalSeconds, e.Concurrency, e.Queues,
            e.DrainStartedAt, e.DrainDeadline,
            e.State == MonitoredExecutorStates.Draining && e.DrainDeadline is { } deadline
                ? Math.Max(0, (deadline - fleet.Now).TotalSeconds) : null,
            e.StoppedAt,
            e.DrainStartedAt is { } started && e.StoppedAt is { } stopped ? (stopped - started).TotalSeconds : null,
            e.WorkflowsHeld, e.InFlightCount, e.InFlight))]));
    }

    private sealed record ExecutorsResponse(DateTimeOffset Now, FleetVersions Versions, IReadOnlyList<ExecutorItem> Executors);

    /// <param name="DrainSecondsLeft">While draining: until the completion deadline, when what is left is handed over.</param>
    /// <param name="DrainedInSeconds">Once it left after a drain: from the drain's start to its exit.</param>
    private sealed record ExecutorItem(
        string ExecutorId,
        string ApplicationVersion,
        string State,
        string? GoneBecause,
        DateTimeOffset StartedAt,
        DateTimeOffset HeartbeatAt,
        double HeartbeatAgeSeconds,
        double HeartbeatTimeoutSeconds,
        int? Concurrency,
        IReadOnlyList<string> Queues,
        DateTimeOffset? DrainStartedAt,
        DateTimeOffset? DrainDeadline,
        double? DrainSecondsLeft,
        DateTimeOffset? StoppedAt,
        double? DrainedInSeconds,
        int WorkflowsHeld,
        int InFlightCount,
        IReadOnlyList<InFlightWorkflowStatus> InFlight);
}
