namespace Exp22.AppHost.Orchestration;

/// <summary>
/// Starts every instance (each waits for its own dependencies, so independent ones start together), runs
/// the start/stop/restart commands, and stops everything in reverse dependency order: an instance stops
/// only once every instance that depends on it has stopped (executors drain before PostgreSQL goes).
/// </summary>
public sealed class Orchestrator(IReadOnlyList<ResourceInstance> instances)
{
    public IReadOnlyList<ResourceInstance> Instances { get; } = instances;

    public ResourceInstance? Find(string name) => Instances.FirstOrDefault(i => i.Name == name);

    /// <summary>Returns once every instance runs, or has failed to start (see the snapshots).</summary>
    public Task StartAllAsync(CancellationToken ct) => Task.WhenAll(Instances.Select(i => i.StartAsync(ct)));

    public async Task StopAllAsync()
    {
        var stops = new Dictionary<ResourceInstance, Task>();
        foreach (var instance in Instances)
            _ = StopAfterDependents(instance, stops);
        await Task.WhenAll(stops.Values);
    }

    /// <summary>Runs <c>start</c>, <c>stop</c> or <c>restart</c> on one instance.</summary>
    /// <exception cref="ArgumentException">Unknown instance or command.</exception>
    public Task ExecuteCommandAsync(string name, string command, CancellationToken ct = default)
    {
        var instance = Find(name) ?? throw new ArgumentException($"No resource named '{name}'.", nameof(name));
        return command switch
        {
            ResourceCommands.Start => instance.StartAsync(ct),
            ResourceCommands.Stop => instance.StopAsync(),
            ResourceCommands.Restart => instance.RestartAsync(ct),
            _ => throw new ArgumentException($"Unknown command '{command}': use start, stop or restart.", nameof(command)),
        };
    }

    private Task StopAfterDependents(ResourceInstance instance, Dictionary<ResourceInstance, Task> stops)
    {
        if (stops.TryGetValue(instance, out var stop))
            return stop;
        var dependents = Instances.Where(i => i.Dependencies.Contains(instance)).Select(d => StopAfterDependents(d, stops)).ToList();
        stop = StopWhenAsync(Task.WhenAll(dependents), instance);
        stops[instance] = stop;
        return stop;
    }

    private static async Task StopWhenAsync(Task dependentsStopped, ResourceInstance instance)
    {
        await dependentsStopped;
        await instance.StopAsync();
    }
}

public static class ResourceCommands
{
    public const string Start = "start";
    public const string Stop = "stop";
    public const string Restart = "restart";
}
