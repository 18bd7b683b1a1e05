namespace Exp22.Workflows;

/// <summary>The states of an executor's row in <c>exp22.executors</c>, spelled as they are stored and served.</summary>
public static class ExecutorStates
{
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Draining = "draining";
    public const string Stopped = "stopped";
}
