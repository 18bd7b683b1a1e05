using Microsoft.Extensions.Logging;

namespace Exp22.Executor.Demo;

internal static partial class DemoLog
{
    [LoggerMessage(EventId = 201, Level = LogLevel.Information,
        Message = "Run {RunId} {Phase} on {ExecutorId} (attempt {Attempt}): {SubWorkflows} sub-workflows x {Steps} steps")]
    public static partial void RunStarted(this ILogger logger, Guid runId, string phase, string executorId, int attempt,
        int subWorkflows, int steps);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information,
        Message = "Run {RunId} finished on {ExecutorId}: {SubWorkflows} sub-workflows, {Steps} steps")]
    public static partial void RunFinished(this ILogger logger, Guid runId, string executorId, int subWorkflows, int steps);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information,
        Message = "Sub-workflow {Index}/{Count} of run {RunId} {Phase} on {ExecutorId} (attempt {Attempt})")]
    public static partial void SubStarted(this ILogger logger, int index, int count, Guid runId, string phase,
        string executorId, int attempt);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information,
        Message = "Executing step {Step}/{Steps} of sub-workflow {Index} (run {RunId}, executor {ExecutorId}, attempt {Attempt})")]
    public static partial void ExecutingStep(this ILogger logger, int step, int steps, int index, Guid runId,
        string executorId, int attempt);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information,
        Message = "Sub-workflow {Index}/{Count} of run {RunId} finished on {ExecutorId}")]
    public static partial void SubFinished(this ILogger logger, int index, int count, Guid runId, string executorId);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information,
        Message = "Order {OrderId} (run {RunId}) approved by {ApprovedBy} and shipped as {Tracking}")]
    public static partial void OrderShipped(this ILogger logger, string orderId, Guid runId, string approvedBy, string tracking);

    public static string Phase(int attempt) => attempt == 1 ? "started" : "resumed";
}
