namespace Exp22.Workflows;

/// <summary>The statuses of docs/design.md#status-vocabulary, spelled as they are stored and served.</summary>
public static class WorkflowStatus
{
    public const string Enqueued = "ENQUEUED";
    public const string Running = "RUNNING";
    public const string Success = "SUCCESS";
    public const string Error = "ERROR";
    public const string Cancelled = "CANCELLED";

    /// <summary>
    /// Its executor died while running it more than <c>Workflows:MaxRecoveryAttempts</c> times: the
    /// engine stopped recovering it so that it cannot crash-loop the fleet. Terminal until an operator resumes it.
    /// </summary>
    public const string MaxRecoveryExceeded = "MAX_RECOVERY_EXCEEDED";

    public static readonly IReadOnlyList<string> All = [Enqueued, Running, Success, Error, Cancelled, MaxRecoveryExceeded];

    public static bool IsTerminal(string status) => status is Success or Error or Cancelled or MaxRecoveryExceeded;
}
