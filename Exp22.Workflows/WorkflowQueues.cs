namespace Exp22.Workflows;

public static class WorkflowQueues
{
    public const string Default = "default";
}
