namespace Exp22.AppHost.Orchestration;

/// <summary>
/// One supervised thing (a project replica, the PostgreSQL server, a database) and its life cycle:
/// NotStarted → Waiting (for its dependencies to be healthy) → Starting → Running → Stopping → Exited, or
/// FailedToStart. Start, stop and restart are serialised; a stop cancels a start that is still waiting.
/// </summary>
public abstract class ResourceInstance
{
    private static readonly TimeSpan ProbeIntervalWhileUnhealthy = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProbeIntervalWhileHealthy = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _commands = new(1, 1);
    private readonly Lock _gate = new();
    private readonly ResourceNotificationService _notifications;
    private CancellationTokenSource? _run;
    private ResourceSnapshot _snapshot;

    protected ResourceInstance(
        string name, string resource, string type, IReadOnlyList<string> endpoints,
        ResourceNotificationService notifications, TimeProvider time)
    {
        _notifications = notifications;
        Time = time;
        Log = new ConsoleLog(time);
        _snapshot = new ResourceSnapshot(name, resource, type, ResourceState.NotStarted, HealthStatus.Unknown,
            null, null, null, null, endpoints, null);
        notifications.Publish(_snapshot);
    }

    public string Name => _snapshot.Name;

    public ConsoleLog Log { get; }

    /// <summary>Instances that must be healthy before this one starts, and that stop only after it has.</summary>
    public List<ResourceInstance> Dependencies { get; } = [];

    public ResourceSnapshot Snapshot
    {
        get
        {
            lock (_gate)
                return _snapshot;
        }
    }

    protected TimeProvider Time { get; }

    /// <summary>Starts the resource once its dependencies are healthy; returns when it runs or has failed to start.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await _commands.WaitAsync(ct);
        try
        {
            if (Snapshot.State is ResourceState.Running or ResourceState.Starting)
                return;
            _run?.Dispose();
            _run = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await StartOnceAsync(_run.Token);
        }
        finally
        {
            _commands.Release();
        }
    }

    /// <summary>Stops the resource (see <see cref="TerminateAsync"/>); a pending start is abandoned.</summary>
    public async Task StopAsync()
    {
        // A start waiting for its dependencies holds the command lock: cancel it first.
        CancelRun();
        await _commands.WaitAsync();
        try
        {
            if (Snapshot.State is ResourceState.Running or ResourceState.Starting)
            {
                Update(s => s with { State = ResourceState.Stopping, Health = HealthStatus.Unknown });
                Log.Append($"[apphost] stopping {Name}");
                await TerminateAsync();
            }
        }
        finally
        {
            _commands.Release();
        }
    }

    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync();
        await StartAsync(ct);
    }

    /// <summary>Launches the resource; returns once it runs (its process exists). Reports the pid through <see cref="Running"/>.</summary>
    protected abstract Task LaunchAsync(CancellationToken ct);

    /// <summary>Stops what <see cref="LaunchAsync"/> launched and returns once it has exited.</summary>
    protected abstract Task TerminateAsync();

    /// <summary>One health check; the default: healthy while running.</summary>
    protected virtual Task<HealthStatus> ProbeAsync(CancellationToken ct) => Task.FromResult(HealthStatus.Healthy);

    protected void Running(int? pid) =>
        Update(s => s with
        {
            State = ResourceState.Running, Pid = pid, StartedAt = Time.GetUtcNow(), StoppedAt = null, ExitCode = null, Message = null,
        });

    protected void ChangeEndpoints(IReadOnlyList<string> endpoints) => Update(s => s with { Endpoints = endpoints });

    /// <summary>The resource ended, asked to or not.</summary>
    protected void Exited(int? exitCode, string? message = null)
    {
        CancelRun();
        Update(s => s with
        {
            State = ResourceState.Exited, Health = HealthStatus.Unknown, Pid = null, StoppedAt = Time.GetUtcNow(),
            ExitCode = exitCode, Message = message,
        });
    }

    private async Task StartOnceAsync(CancellationToken ct)
    {
        try
        {
            if (Dependencies.Count > 0)
            {
                Update(s => s with
                {
                    State = ResourceState.Waiting, Message = "waiting for " + string.Join(", ", Dependencies.Select(d => d.Name)),
                });
                foreach (var dependency in Dependencies)
                    await _notifications.WaitForResourceHealthyAsync(dependency.Name, ct);
            }

            Update(s => s with
            {
                State = ResourceState.Starting, Health = HealthStatus.Unknown, Message = null, ExitCode = null, StoppedAt = null,
            });
            await LaunchAsync(ct);
            _ = ProbeWhileRunningAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (Snapshot.State is ResourceState.Waiting or ResourceState.Starting)
                Update(s => s with { State = ResourceState.NotStarted, Message = null });
        }
        catch (ResourceFailedException e)
        {
            // Only the name: the failed dependency's own line already says why.
            Update(s => s with { State = ResourceState.FailedToStart, Message = $"{e.Snapshot.Name} failed to start" });
        }
        catch (StartFailedException e)
        {
            Log.Append("[apphost] " + e.Message, isError: true);
            Update(s => s with { State = ResourceState.FailedToStart, Message = e.Message });
        }
    }

    private async Task ProbeWhileRunningAsync(CancellationToken ct)
    {
        try
        {
            while (Snapshot.State == ResourceState.Running)
            {
                var health = await ProbeAsync(ct);
                if (Snapshot.State == ResourceState.Running && Snapshot.Health != health)
                    Update(s => s.State == ResourceState.Running ? s with { Health = health } : s);
                await Task.Delay(health == HealthStatus.Healthy ? ProbeIntervalWhileHealthy : ProbeIntervalWhileUnhealthy, Time, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped or exited: health is Unknown again.
        }
    }

    private void CancelRun()
    {
        try
        {
            _run?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A finished run: nothing to cancel.
        }
    }

    private void Update(Func<ResourceSnapshot, ResourceSnapshot> change)
    {
        // Published under the lock so that two updates cannot reach readers in the wrong order.
        lock (_gate)
        {
            _snapshot = change(_snapshot);
            _notifications.Publish(_snapshot);
        }
    }
}

/// <summary>A resource could not start for a reason its user can act on; the message says which.</summary>
public sealed class StartFailedException(string message, Exception? inner = null) : Exception(message, inner);
