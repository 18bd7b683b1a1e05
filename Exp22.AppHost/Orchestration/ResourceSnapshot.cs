namespace Exp22.AppHost.Orchestration;

/// <summary>Aspire's resource states.</summary>
public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Stopping,
    Exited,
    FailedToStart,
}

public enum HealthStatus
{
    Unknown,
    Healthy,
    Unhealthy,
}

/// <summary>A resource instance (a replica, a server, a database) as it is now.</summary>
/// <param name="Name">The instance's name: <c>api</c>, <c>executor-1</c>, <c>postgres</c>, <c>exp22db</c>.</param>
/// <param name="Resource">The app model resource it belongs to: <c>executor</c> for both replicas.</param>
/// <param name="Message">Why it failed to start, or what it is waiting for.</param>
public sealed record ResourceSnapshot(
    string Name,
    string Resource,
    string Type,
    ResourceState State,
    HealthStatus Health,
    int? Pid,
    DateTimeOffset? StartedAt,
    DateTimeOffset? StoppedAt,
    int? ExitCode,
    IReadOnlyList<string> Endpoints,
    string? Message)
{
    public bool IsHealthy => State == ResourceState.Running && Health == HealthStatus.Healthy;
}
