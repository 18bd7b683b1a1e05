using Microsoft.Extensions.Logging;

namespace Exp22.Workflows.Execution;

/// <summary>The executor's and the runner's log lines, source-generated: several run once per workflow or per beat.</summary>
internal static partial class ExecutorLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Executor {ExecutorId} found {Count} workflow(s) left by its previous process; re-enqueued them")]
    public static partial void TookBack(this ILogger logger, string executorId, int count);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
        Message = "Executor {ExecutorId} started: concurrency {Concurrency}, queues [{Queues}], workflows [{Workflows}]")]
    public static partial void Started(this ILogger logger, string executorId, int concurrency,
        IEnumerable<string> queues, IEnumerable<string> workflows);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "Drain complete: executor {ExecutorId} stopped after {Elapsed:0.0} s")]
    public static partial void DrainComplete(this ILogger logger, string executorId, double elapsed);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information,
        Message = "Drain started: executor {ExecutorId} claims nothing new; {InFlight} workflow(s) in flight; waiting up to {Timeout:0.#} s for them")]
    public static partial void DrainStarted(this ILogger logger, string executorId, int inFlight, double timeout);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information,
        Message = "Drain: {Finished} workflow(s) finished or parked in {Waited:0.0} s; {Remaining} still running")]
    public static partial void DrainWaited(this ILogger logger, int finished, double waited, int remaining);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information,
        Message = "Drain: handed {Handed} workflow(s) back to the queue; another executor resumes them from their last checkpoint")]
    public static partial void HandedOver(this ILogger logger, int handed);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error,
        Message = "Drain: could not hand back {Count} workflow(s) within {Key} ({Timeout:0.#} s): [{Workflows}]; they stay with executor {ExecutorId} until survivors recover them, {HeartbeatTimeout:0.#} s after its last heartbeat")]
    public static partial void HandoverTimedOut(this ILogger logger, int count, string key, double timeout, string workflows,
        string executorId, double heartbeatTimeout);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error,
        Message = "Drain: could not hand back {Count} workflow(s): [{Workflows}]; they stay with executor {ExecutorId} until survivors recover them, {HeartbeatTimeout:0.#} s after its last heartbeat")]
    public static partial void HandoverFailed(this ILogger logger, Exception exception, int count, string workflows,
        string executorId, double heartbeatTimeout);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning,
        Message = "Executor {ExecutorId} could not deregister within {Key} ({Timeout:0.#} s); its row goes stale instead")]
    public static partial void LeaveTimedOut(this ILogger logger, string executorId, string key, double timeout);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning,
        Message = "Executor {ExecutorId} could not deregister; its row goes stale instead")]
    public static partial void LeaveFailed(this ILogger logger, Exception exception, string executorId);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information,
        Message = "Executor {ExecutorId} claims again after {Failures} failed attempt(s)")]
    public static partial void ClaimsAgain(this ILogger logger, string executorId, int failures);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning,
        Message = "Executor {ExecutorId} could not claim: {Error}; retrying with pauses growing to {Max:0} s")]
    public static partial void ClaimFailed(this ILogger logger, Exception exception, string executorId, string error, double max);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Debug,
        Message = "Executor {ExecutorId} could not claim (attempt {Failures}): {Error}")]
    public static partial void ClaimFailedAgain(this ILogger logger, Exception exception, string executorId, int failures, string error);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error,
        Message = "Workflow {WorkflowId} ({WorkflowName}) failed outside its own code: {Error}; it will be released")]
    public static partial void FailedOutsideItsCode(this ILogger logger, Exception exception, Guid workflowId, string workflowName, string error);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information,
        Message = "Workflow {WorkflowId} was cancelled; stopping its execution")]
    public static partial void CancelledWhileRunning(this ILogger logger, Guid workflowId);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Information,
        Message = "Executor {ExecutorId} heartbeat restored after {Outage:0.0} s; it recovers silent executors' work again in {Timeout:0.#} s, once live ones have beaten")]
    public static partial void HeartbeatRestored(this ILogger logger, string executorId, double outage, double timeout);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning,
        Message = "Executor {ExecutorId} re-enqueued {Count} workflow(s) of executors silent for over {Timeout:0.#} s")]
    public static partial void RecoveredOthers(this ILogger logger, string executorId, int count, double timeout);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning,
        Message = "Executor {ExecutorId} heartbeat failed: {Error}; retrying every {Interval:0.###} s")]
    public static partial void HeartbeatFailed(this ILogger logger, Exception exception, string executorId, string error, double interval);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Debug,
        Message = "Executor {ExecutorId} heartbeat failed again: {Error}")]
    public static partial void HeartbeatFailedAgain(this ILogger logger, Exception exception, string executorId, string error);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Debug,
        Message = "Release of workflow {WorkflowId} postponed: {Error}")]
    public static partial void ReleasePostponed(this ILogger logger, Exception exception, Guid workflowId, string error);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning,
        Message = "Notification connection lost ({Error}); reconnecting in {Delay} ms, polling meanwhile")]
    public static partial void NotificationConnectionLost(this ILogger logger, Exception exception, string error, double delay);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Debug, Message = "Workflow {WorkflowId} {Outcome}")]
    public static partial void Parked(this ILogger logger, Guid workflowId, string outcome);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Debug, Message = "Workflow {WorkflowId} parked until {WakeAt:O} (or a message on topic: {Topic})")]
    public static partial void ParkedUntil(this ILogger logger, Guid workflowId, DateTimeOffset wakeAt, string topic);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning,
        Message = "Workflow {WorkflowId} ({WorkflowName}) of run {RunId} failed: {Error}")]
    public static partial void WorkflowFailed(this ILogger logger, Exception exception, Guid workflowId, string workflowName,
        Guid runId, string error);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Information,
        Message = "Workflow {WorkflowId} ({WorkflowName}) stopped here: {Reason}")]
    public static partial void NoLongerOwned(this ILogger logger, Guid workflowId, string workflowName, string reason);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Warning,
        Message = "Workflow {WorkflowId} ({WorkflowName}) interrupted by the database: {Error}; it will be released")]
    public static partial void InterruptedByDatabase(this ILogger logger, Exception exception, Guid workflowId, string workflowName, string error);

    [LoggerMessage(EventId = 1026, Level = LogLevel.Error,
        Message = "Workflow {WorkflowId} ({WorkflowName}) of run {RunId} was recovered {Recoveries} times in a row after its executor died (last {LastExecutor}); over Workflows:MaxRecoveryAttempts ({Max}), it ends {Status} without running")]
    public static partial void GaveUp(this ILogger logger, Guid workflowId, string workflowName, Guid runId, int recoveries,
        string? lastExecutor, int max, string status);
}
