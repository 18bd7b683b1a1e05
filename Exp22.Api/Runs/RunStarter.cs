using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Api.Runs;

/// <summary>Enqueues a demo run and logs one line for it.</summary>
public sealed partial class RunStarter(WorkflowClient client, ILogger<RunStarter> logger)
{
    public async Task<EnqueuedRun> StartAsync(
        RunRequest request, RunPlacement placement, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var input = request.Input;
        var run = await client.EnqueueAsync(
            new EnqueueRequest(DemoWorkflows.Run, WorkflowJson.Serialize(input), placement.Queue, placement.Priority,
                idempotencyKey, Timeout: request.Timeout, PartitionKey: placement.PartitionKey, NotBefore: placement.NotBefore,
                ApplicationVersion: placement.ApplicationVersion),
            cancellationToken);

        var delay = input.StepDelayMs is { } range ? $"{range.Min}-{range.Max} ms" : "the executor's default";
        if (run.Created)
            LogEnqueued(run.RunId, input.SubWorkflows, input.StepsPerWorkflow, delay, idempotencyKey is not null);
        else
            LogReplayed(run.RunId, run.Status);
        return run;
    }

    public async Task<EnqueuedRun> StartOrderAsync(DemoOrderInput input, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var run = await client.EnqueueAsync(
            new EnqueueRequest(DemoWorkflows.Order, WorkflowJson.Serialize(input), RunPlacement.Default.Queue, RunPlacement.Default.Priority, idempotencyKey),
            cancellationToken);
        if (run.Created)
            LogOrderEnqueued(run.RunId, input.OrderId, input.ApprovalTimeoutSeconds, input.ShipAfterSeconds);
        else
            LogReplayed(run.RunId, run.Status);
        return run;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Enqueued run {RunId}: {SubWorkflows} sub-workflows x {StepsPerWorkflow} steps, step delay {StepDelay} (idempotency key: {HasIdempotencyKey})")]
    private partial void LogEnqueued(Guid runId, int subWorkflows, int stepsPerWorkflow, string stepDelay, bool hasIdempotencyKey);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information,
        Message = "Enqueued order {RunId} ({OrderId}): approval within {ApprovalTimeoutSeconds} s, ships {ShipAfterSeconds} s after it")]
    private partial void LogOrderEnqueued(Guid runId, string orderId, int approvalTimeoutSeconds, int shipAfterSeconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Idempotency-Key replay: answered with existing run {RunId} ({Status}), nothing enqueued")]
    private partial void LogReplayed(Guid runId, string status);
}
