using Exp22.Api.Database;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Versions;

/// <summary>
/// <c>GET /versions</c>: each application version with its live executors and unfinished work, and
/// whether that work is stranded (no live executor of its version; docs/queues-and-schedules.md#application-versions).
/// </summary>
public static class VersionsEndpoints
{
    public const string Tag = "Versions";

    public static IEndpointRouteBuilder MapVersions(this IEndpointRouteBuilder app)
    {
        app.MapGet("/versions", ListAsync)
            .AddEndpointFilter<SchemaReadyFilter>()
            .WithTags(Tag)
            .WithName("ListVersions")
            .WithSummary("List the application versions and their stranded work")
            .WithDescription("Every application version that has a live executor or unfinished workflows: its running and draining " +
                "executors, its ENQUEUED and RUNNING counts, whether it is the latest (what an enqueue without a version gets), and " +
                "whether its work is stranded (no live executor of that version to run it). A null version is work enqueued before " +
                "any executor registered, which the next heartbeat adopts.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Ok<FleetVersions>> ListAsync(WorkflowMonitor monitor, CancellationToken cancellationToken) =>
        TypedResults.Ok(await monitor.ListVersionsAsync(cancellationToken));
}
