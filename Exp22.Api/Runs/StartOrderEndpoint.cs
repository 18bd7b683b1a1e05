using Exp22.Api.OpenApi;
using Exp22.Api.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Runs;

/// <summary><c>POST /orders</c>: starts the <c>demo-order</c> workflow (docs/workflows.md), which waits for an <c>approve</c> message.</summary>
public static class StartOrderEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/orders", StartAsync)
            .WithName("StartOrder")
            .WithSummary("Start a demo order")
            .WithDescription($"orderId is required (1-{RunLimits.MaxOrderIdLength} characters). The order publishes its progress as the " +
                "'status' event (GET /runs/{id}/events/status), waits for an 'approve' message (POST /runs/{id}/messages/approve, " +
                $"{{\"approvedBy\": \"...\"}}) up to approvalTimeoutSeconds ({RunLimits.ApprovalTimeoutSeconds.Description}, default " +
                $"{RunLimits.DefaultApprovalTimeoutSeconds}; past it the order ends 'expired'), then sleeps shipAfterSeconds " +
                $"({RunLimits.ShipAfterSeconds.Description}, default {RunLimits.DefaultShipAfterSeconds}) and ships. " +
                "A repeated Idempotency-Key answers the run it created, with Idempotent-Replayed: true.")
            .WithIdempotencyKeyHeader()
            .AcceptsJson<StartOrderBody>();

    public static async Task<Results<Accepted<RunAccepted>, ValidationProblem, ProblemHttpResult>> StartAsync(
        HttpContext http, RunStarter starter)
    {
        if (JsonBody.ProblemUnlessJson(http.Request) is { } unsupported)
            return unsupported;

        var errors = new FieldErrors();
        var idempotencyKey = IdempotencyKeys.Read(http.Request, errors);
        var input = await OrderRequestBody.ReadAsync(http.Request, errors, http.RequestAborted);
        if (input is null || errors.Any)
            return errors.ToProblem();

        var run = await starter.StartOrderAsync(input, idempotencyKey, http.RequestAborted);
        if (!run.Created)
            http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        var statusUrl = RunUrls.Status(run.RunId);
        return TypedResults.Accepted(statusUrl, new RunAccepted(run.RunId, run.Status, statusUrl));
    }
}
