namespace Exp22.ServiceDefaults.Health;

public static class HealthPaths
{
    public const string Live = "/health/live";
    public const string Ready = "/health/ready";

    // Aspire's names, kept so an Aspire AppHost or dashboard finds them.
    public const string Health = "/health";
    public const string Alive = "/alive";
}
