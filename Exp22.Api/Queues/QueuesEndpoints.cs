using Exp22.Api.Database;
using Exp22.Api.OpenApi;
using Exp22.Api.Validation;
using Exp22.Workflows.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Exp22.Api.Queues;

/// <summary>
/// <c>GET /queues?partitions=</c>: each queue's limits and depth (docs/queues-and-schedules.md), read-only
/// and open like <c>GET /schedules</c>: it shows names and counts, never a workflow's input or output.
/// </summary>
public static class QueuesEndpoints
{
    public const string Tag = "Queues";
    public const string PartitionsQuery = "partitions";
    public const int DefaultPartitions = 10;
    public static readonly IntegerRange PartitionsRange = new(1, 100);

    public static IEndpointRouteBuilder MapQueues(this IEndpointRouteBuilder app)
    {
        app.MapGet("/queues", ListAsync)
            .AddEndpointFilter<SchemaReadyFilter>()
            .WithTags(Tag)
            .WithName("ListQueues")
            .WithSummary("Queues with their limits and depth")
            .WithDescription("Every queue that is defined, holds live work, or is claimed by a live executor: its limits " +
                "(null: unlimited), how many workflows (any level) are enqueued and due, delayed by notBefore, running on an " +
                "executor, parked waiting for children, the first starts within the rate period, how long the oldest due one " +
                "has waited, and for a partitioned queue its deepest partitions.")
            .WithIntegerQuery(PartitionsQuery, PartitionsRange, DefaultPartitions, "How many partitions of each partitioned queue to list, deepest first.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<QueueReport>, ValidationProblem>> ListAsync(
        [FromQuery(Name = PartitionsQuery)] string? partitions, WorkflowMonitor monitor, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var top = QueryValues.WholeNumber(partitions, PartitionsQuery, PartitionsRange, DefaultPartitions, errors);
        if (errors.Any)
            return errors.ToProblem();

        return TypedResults.Ok(QueueReport.From(await monitor.ListQueuesAsync(top, cancellationToken)));
    }
}
