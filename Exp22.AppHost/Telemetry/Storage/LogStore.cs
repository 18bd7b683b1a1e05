using Microsoft.Extensions.Options;

namespace Exp22.AppHost.Telemetry.Storage;

/// <summary>The last structured log records of every resource.</summary>
public sealed class LogStore(IOptions<TelemetryStoreOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RingBuffer<StoredLog>> _byResource = [];
    private long _sequence;

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public void Add(IEnumerable<StoredLog> logs)
    {
        lock (_lock)
        {
            foreach (var log in logs)
            {
                if (!_byResource.TryGetValue(log.Resource, out var buffer))
                    _byResource[log.Resource] = buffer = new RingBuffer<StoredLog>(options.Value.MaxLogsPerResource);
                buffer.Add(log);
            }
        }
    }

    /// <summary>Newest first. A record matches a run id when an attribute or its message carries it.</summary>
    public IReadOnlyList<StoredLog> Query(LogQuery query)
    {
        List<StoredLog> candidates;
        lock (_lock)
        {
            candidates = [.. _byResource
                .Where(r => query.Resource is null || r.Key == query.Resource)
                .SelectMany(r => r.Value.NewestFirst())];
        }

        return [.. candidates
            .Where(l => l.SeverityNumber >= query.MinSeverity)
            .Where(l => query.TraceId is null || l.TraceId == query.TraceId)
            .Where(l => query.RunId is null || l.Attributes.Values.Contains(query.RunId)
                                            || l.Message.Contains(query.RunId, StringComparison.OrdinalIgnoreCase))
            .Where(l => query.Text is null || l.Message.Contains(query.Text, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(l => l.TimeMs).ThenByDescending(l => l.Sequence)
            .Take(query.Limit)];
    }

    public int CountOf(string resource)
    {
        lock (_lock)
            return _byResource.TryGetValue(resource, out var buffer) ? buffer.Count : 0;
    }
}

public sealed record LogQuery(string? Resource, int MinSeverity, string? RunId, string? TraceId, string? Text, int Limit);
