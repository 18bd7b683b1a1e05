using System.Collections.Concurrent;

namespace Exp22.AppHost.Telemetry.Storage;

/// <summary>Every resource that has exported anything, by name.</summary>
public sealed class ResourceCatalog
{
    private readonly ConcurrentDictionary<string, TelemetryResource> _resources = new();

    public void Seen(TelemetryResource resource) => _resources.TryAdd(resource.Name, resource);

    public IReadOnlyList<TelemetryResource> All => [.. _resources.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];
}
