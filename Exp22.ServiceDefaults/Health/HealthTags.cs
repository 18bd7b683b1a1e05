namespace Exp22.ServiceDefaults.Health;

public static class HealthTags
{
    // Liveness: the process works; a failure means restart it.
    public const string Live = "live";

    // Readiness: send it traffic or work; a failure means route elsewhere, not restart.
    public const string Ready = "ready";
}
