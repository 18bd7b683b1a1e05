namespace Exp22.AppHost.Orchestration;

/// <summary>
/// The latest snapshot of every resource instance, and waits on them: the shape of Aspire's
/// <c>ResourceNotificationService</c>. A name matches an instance (<c>executor-1</c>) or every replica of a
/// resource (<c>executor</c>).
/// </summary>
public sealed class ResourceNotificationService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ResourceSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private TaskCompletionSource _changed = NewSignal();
    private long _version;

    public long Version
    {
        get
        {
            lock (_gate)
                return _version;
        }
    }

    /// <summary>Every instance, in the app model's order.</summary>
    public IReadOnlyList<ResourceSnapshot> All
    {
        get
        {
            lock (_gate)
                return _order.Select(name => _snapshots[name]).ToList();
        }
    }

    public IReadOnlyList<ResourceSnapshot> Matching(string name)
    {
        lock (_gate)
            return Match(name);
    }

    internal void Publish(ResourceSnapshot snapshot)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (!_snapshots.ContainsKey(snapshot.Name))
                _order.Add(snapshot.Name);
            _snapshots[snapshot.Name] = snapshot;
            _version++;
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    /// <summary>Completes when anything changed after <paramref name="version"/>.</summary>
    public Task WaitForChangeAsync(long version, CancellationToken ct)
    {
        lock (_gate)
            return _version > version ? Task.CompletedTask : _changed.Task.WaitAsync(ct);
    }

    /// <summary>Waits until every instance <paramref name="name"/> matches satisfies <paramref name="predicate"/>.</summary>
    /// <exception cref="ResourceFailedException">One of them failed to start: waiting longer would be waiting forever.</exception>
    public async Task<IReadOnlyList<ResourceSnapshot>> WaitForResourceAsync(
        string name, Func<ResourceSnapshot, bool> predicate, CancellationToken ct = default)
    {
        while (true)
        {
            long version;
            IReadOnlyList<ResourceSnapshot> matching;
            lock (_gate)
            {
                version = _version;
                matching = Match(name);
            }

            if (matching.Count == 0)
                throw new ArgumentException($"The app model has no resource named '{name}'.", nameof(name));
            if (matching.All(predicate))
                return matching;
            if (matching.FirstOrDefault(s => s.State == ResourceState.FailedToStart) is { } failed)
                throw new ResourceFailedException(failed);
            await WaitForChangeAsync(version, ct);
        }
    }

    public Task<IReadOnlyList<ResourceSnapshot>> WaitForResourceAsync(string name, ResourceState state, CancellationToken ct = default) =>
        WaitForResourceAsync(name, s => s.State == state, ct);

    /// <summary>Running and healthy (a resource without a health check is healthy while it runs).</summary>
    public Task<IReadOnlyList<ResourceSnapshot>> WaitForResourceHealthyAsync(string name, CancellationToken ct = default) =>
        WaitForResourceAsync(name, s => s.IsHealthy, ct);

    private List<ResourceSnapshot> Match(string name) =>
        _order.Select(n => _snapshots[n]).Where(s => s.Name == name || s.Resource == name).ToList();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class ResourceFailedException(ResourceSnapshot snapshot)
    : Exception($"{snapshot.Name} failed to start: {snapshot.Message}")
{
    public ResourceSnapshot Snapshot { get; } = snapshot;
}
