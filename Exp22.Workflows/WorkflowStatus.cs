namespace Exp22.Workflows;

/// <summary>The statuses of DESIGN.md §5, spelled as they are stored and served.</summary>
public static class WorkflowStatus
{
    public const string Enqueued = "ENQUEUED";
    public const string Running = "RUNNING";
    public const string Success = "SUCCESS";
    public const string Error = "ERROR";
    public const string Cancelled = "CANCELLED";

    public static readonly IReadOnlyList<string> All = [Enqueued, Running, Success, Error, Cancelled];

    public static bool IsTerminal(string status) => status is Success or Error or Cancelled;
}
