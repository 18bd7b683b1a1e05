using Exp22.AppHost.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Exp22.AppHost.Orchestration;

/// <summary>
/// Ties the resources to the host: they start once the dashboard listens (so it shows them starting), and
/// they stop first when the host stops (Ctrl+C), in reverse dependency order, while the dashboard still
/// serves and shows the drains. A resource that others wait for and that cannot start ends the AppHost
/// with one message and exit code 1 (a missing PostgreSQL, say): nothing could ever run.
/// </summary>
internal sealed class ResourceLifecycle(
    DistributedApplication application, Orchestrator orchestrator, ResourceNotificationService notifications,
    IHostApplicationLifetime lifetime, ILogger<ResourceLifecycle> logger) : IHostedLifecycleService
{
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (application.DashboardUrl is { } dashboard)
            logger.LogInformation("Dashboard: {DashboardUrl}", dashboard);
        _ = LogStateChangesAsync(lifetime.ApplicationStopped);
        await orchestrator.StartAllAsync(lifetime.ApplicationStopping);
        var blocking = orchestrator.Instances
            .Where(i => i.Snapshot.State == ResourceState.FailedToStart)
            .Where(i => i.Dependencies.All(d => d.Snapshot.State != ResourceState.FailedToStart))
            .FirstOrDefault(i => orchestrator.Instances.Any(other => other.Dependencies.Contains(i)));
        if (blocking is not null)
        {
            logger.LogError("{Resource} failed to start, and the app cannot run without it: {Message}", blocking.Name, blocking.Snapshot.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    /// <summary>
    /// Bounded by AppHost:ShutdownTimeout: past it the host moves on, and the reaper (closed when the app is
    /// disposed) kills whatever is left.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => orchestrator.StopAllAsync().WaitAsync(cancellationToken);

    /// <summary>One console line per state or health change, so the terminal tells the story without the dashboard.</summary>
    private async Task LogStateChangesAsync(CancellationToken ct)
    {
        var known = new Dictionary<string, ResourceSnapshot>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var version = notifications.Version;
                foreach (var snapshot in notifications.All)
                {
                    var before = known.GetValueOrDefault(snapshot.Name);
                    known[snapshot.Name] = snapshot;
                    if (!IsWorthALine(before, snapshot))
                        continue;
                    logger.LogInformation("{Resource}: {State}{Health}{Pid}{Exit}{Message}", snapshot.Name, snapshot.State,
                        snapshot.State == ResourceState.Running ? $", {snapshot.Health}" : "",
                        snapshot.Pid is { } pid ? $" (pid {pid})" : "",
                        snapshot.ExitCode is { } code ? $" (exit code {code})" : "",
                        snapshot.Message is { } message ? $": {message}" : "");
                }

                await notifications.WaitForChangeAsync(version, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The host has stopped.
        }
    }

    /// <summary>State changes, and health once known: a service is Unhealthy for a moment while it starts, which is no news.</summary>
    private static bool IsWorthALine(ResourceSnapshot? before, ResourceSnapshot now)
    {
        if (before is null)
            return now.State != ResourceState.NotStarted;
        if (before.State != now.State)
            return now.State != ResourceState.Running || now.Health == HealthStatus.Healthy;
        return before.Health != now.Health && (now.Health == HealthStatus.Healthy || before.Health == HealthStatus.Healthy);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
