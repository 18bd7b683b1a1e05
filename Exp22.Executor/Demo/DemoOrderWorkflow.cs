using Exp22.Workflows;
using Microsoft.Extensions.Logging;

namespace Exp22.Executor.Demo;

/// <param name="ApprovalTimeoutSeconds">How long the order waits for its <c>approve</c> message.</param>
/// <param name="ShipAfterSeconds">How long it waits after approval before shipping.</param>
public sealed record DemoOrderInput(string OrderId, int ApprovalTimeoutSeconds = 3600, int ShipAfterSeconds = 10);

public sealed record DemoApproval(string ApprovedBy);

public sealed record DemoOrderResult(string OrderId, string Status, string? ApprovedBy, string? TrackingNumber);

/// <summary>
/// The second demo: an order waits for an <c>approve</c> message (parked, no slot held) up to its
/// timeout, sleeps durably before shipping, and publishes its progress as the <c>status</c> event.
/// </summary>
[WorkflowName("demo-order")]
public sealed class DemoOrderWorkflow(ILogger<DemoOrderWorkflow> logger) : Workflow<DemoOrderInput, DemoOrderResult>
{
    public const string ApproveTopic = "approve";
    public const string StatusEvent = "status";

    public override async Task<DemoOrderResult> RunAsync(WorkflowContext context, DemoOrderInput input)
    {
        await context.SetEventAsync(StatusEvent, "awaiting-approval");
        var approval = await context.ReceiveAsync<DemoApproval>(ApproveTopic, TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds));
        if (approval is null)
        {
            await context.SetEventAsync(StatusEvent, "expired");
            return new DemoOrderResult(input.OrderId, "expired", null, null);
        }

        await context.SetEventAsync(StatusEvent, "approved");
        await context.SleepAsync(TimeSpan.FromSeconds(input.ShipAfterSeconds));
        var tracking = await context.RunStepAsync("ship", _ => Task.FromResult($"TRACK-{input.OrderId}"));
        await context.SetEventAsync(StatusEvent, "shipped");
        logger.OrderShipped(input.OrderId, context.RunId, approval.Value.ApprovedBy, tracking);
        return new DemoOrderResult(input.OrderId, "shipped", approval.Value.ApprovedBy, tracking);
    }
}
