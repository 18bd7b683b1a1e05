using System.ComponentModel.DataAnnotations;

namespace Exp22.Api.Runs;

/// <summary>
/// The input of the <c>demo-order</c> workflow, as stored (camelCase JSON); the executor's record of the
/// same shape reads it. <see cref="Validation.OrderRequestBody"/> fills the defaults and enforces the ranges.
/// </summary>
public sealed record DemoOrderInput(string OrderId, int ApprovalTimeoutSeconds, int ShipAfterSeconds);

/// <summary>
/// The body of <c>POST /orders</c> as the OpenAPI document describes it: the order's id, how long it waits
/// for its <c>approve</c> message before it expires, and how long after approval it ships.
/// </summary>
public sealed record StartOrderBody(
    [property: StringLength(RunLimits.MaxOrderIdLength, MinimumLength = 1)] string OrderId,
    [property: Range(RunLimits.MinApprovalTimeoutSeconds, RunLimits.MaxApprovalTimeoutSeconds)] int? ApprovalTimeoutSeconds = null,
    [property: Range(RunLimits.MinShipAfterSeconds, RunLimits.MaxShipAfterSeconds)] int? ShipAfterSeconds = null);

/// <summary>The answer to a message sent to a run; <paramref name="Duplicate"/> when its idempotency key was used before (not delivered again).</summary>
public sealed record MessageAccepted(Guid RunId, string Topic, bool Duplicate, string StatusUrl);

/// <summary><c>GET /runs/{id}/events/{key}</c>: the latest value the run published for the event, and when.</summary>
public sealed record RunEvent(string Key, System.Text.Json.JsonElement Value, DateTimeOffset UpdatedAt);
