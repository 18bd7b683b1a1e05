using System.Text.Json;
using Exp22.Api.Runs;

namespace Exp22.Api.Validation;

/// <summary>Reads and checks the body of <c>POST /orders</c> by hand, as <see cref="RunRequestBody"/> does for runs.</summary>
public static class OrderRequestBody
{
    public const string OrderIdField = "orderId";
    public const string ApprovalTimeoutField = "approvalTimeoutSeconds";
    public const string ShipAfterField = "shipAfterSeconds";

    private const string Example = """{"orderId": "order-7", "approvalTimeoutSeconds": 3600, "shipAfterSeconds": 10}""";

    /// <returns>The order's input, or null when <paramref name="errors"/> says why not.</returns>
    public static async Task<DemoOrderInput?> ReadAsync(HttpRequest request, FieldErrors errors, CancellationToken cancellationToken)
    {
        using var document = await JsonBody.ReadObjectAsync(request, Example, errors, cancellationToken);
        if (document is null)
            return null;
        var root = document.RootElement;
        var orderId = OrderId(root, errors);
        var approval = OptionalInteger(root, ApprovalTimeoutField, RunLimits.ApprovalTimeoutSeconds, RunLimits.DefaultApprovalTimeoutSeconds, errors);
        var shipAfter = OptionalInteger(root, ShipAfterField, RunLimits.ShipAfterSeconds, RunLimits.DefaultShipAfterSeconds, errors);
        return orderId is not null && !errors.Any ? new DemoOrderInput(orderId, approval, shipAfter) : null;
    }

    private static string? OrderId(JsonElement root, FieldErrors errors)
    {
        var rule = $"{OrderIdField} is required: a string of 1 to {RunLimits.MaxOrderIdLength} characters";
        if (!JsonBody.TryGetProperty(root, OrderIdField, out var value))
        {
            errors.Add(OrderIdField, $"{rule}.");
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text && text.Length <= RunLimits.MaxOrderIdLength)
            return text;
        errors.Add(OrderIdField, $"{rule}; got {Shown.Json(value)}.");
        return null;
    }

    private static int OptionalInteger(JsonElement root, string field, IntegerRange range, int defaultValue, FieldErrors errors) =>
        JsonBody.TryGetProperty(root, field, out var value) && value.ValueKind != JsonValueKind.Null
            ? JsonBody.RequiredInteger(root, field, field, range, errors) ?? defaultValue
            : defaultValue;
}
