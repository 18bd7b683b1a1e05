namespace Exp22.Workflows.Execution;

/// <summary>The LISTEN/NOTIFY channels; an empty payload stands for "anything may have happened".</summary>
internal static class Notifications
{
    /// <summary>Payload: the queue that has new work.</summary>
    public const string Enqueued = "exp22_enqueued";

    /// <summary>Payload: the id of a workflow cancelled while an executor may run it.</summary>
    public const string Cancelled = "exp22_cancelled";

    /// <summary>Payload: the id of a workflow that published an event (sent in the transaction that writes it).</summary>
    public const string EventSet = "exp22_event";
}
