namespace Exp22.Workflows.Execution;

/// <summary>The LISTEN/NOTIFY channels: payloads are a queue name and a workflow id respectively.</summary>
internal static class Notifications
{
    public const string Enqueued = "exp22_enqueued";
    public const string Cancelled = "exp22_cancelled";
}
