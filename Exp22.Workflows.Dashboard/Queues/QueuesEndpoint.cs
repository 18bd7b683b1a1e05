using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Exp22.Workflows.Dashboard.Queues;

/// <summary>
/// <c>GET api/queues?partitions=</c>: each queue's limits (none: unlimited), its depth, its starts within the
/// rate period and its deepest partitions. Durations are seconds, on the database's clock.
/// </summary>
internal static class QueuesEndpoint
{
    public const string PartitionsQuery = "partitions";
    public const int DefaultPartitions = 10;
    public const int MaxPartitions = 100;

    public static void Map(IEndpointRouteBuilder api) => api.MapGet("/queues", GetAsync);

    private static async Task<IResult> GetAsync(
        [FromQuery(Name = PartitionsQuery)] string? partitions, WorkflowMonitor monitor, CancellationToken cancellationToken)
    {
        var errors = new QueryErrors();
        var top = errors.Integer(partitions, PartitionsQuery, 1, MaxPartitions, DefaultPartitions);
        if (errors.Any)
            return errors.ToProblem();

        return Results.Ok(QueueReport.From(await monitor.ListQueuesAsync(top, cancellationToken).ConfigureAwait(false)));
    }
}
