namespace Exp22.Workflows;

/// <summary>Why an attempt ended before its workflow finished or parked, as stored in <c>exp22.workflow_interruptions</c>.</summary>
public static class InterruptionReasons
{
    /// <summary>A draining executor handed it back at its completion timeout.</summary>
    public const string Handover = "handover";

    /// <summary>A survivor re-enqueued it after its executor fell silent for the heartbeat timeout.</summary>
    public const string Recovery = "recovery";

    /// <summary>Its executor restarted under the same id and took it back at start.</summary>
    public const string Restart = "restart";

    /// <summary>Its executor released it after a write failed because the database was unreachable.</summary>
    public const string Release = "release";
}
