using Microsoft.Extensions.Options;

namespace Exp22.AppHost.Telemetry.Storage;

/// <summary>
/// The last spans of every resource, indexed by trace so that a trace spanning the API and several
/// executors is read in one lookup. A span pushed out of its resource's buffer leaves its trace too.
/// </summary>
public sealed class SpanStore(IOptions<TelemetryStoreOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RingBuffer<StoredSpan>> _byResource = [];
    private readonly Dictionary<string, List<StoredSpan>> _byTrace = [];

    public void Add(IEnumerable<StoredSpan> spans)
    {
        lock (_lock)
        {
            foreach (var span in spans)
            {
                if (!_byResource.TryGetValue(span.Resource, out var buffer))
                    _byResource[span.Resource] = buffer = new RingBuffer<StoredSpan>(options.Value.MaxSpansPerResource);
                if (buffer.Add(span) is { } evicted)
                    Unindex(evicted);
                if (!_byTrace.TryGetValue(span.TraceId, out var trace))
                    _byTrace[span.TraceId] = trace = [];
                trace.Add(span);
            }
        }
    }

    public IReadOnlyList<StoredSpan>? GetTrace(string traceId)
    {
        lock (_lock)
            return _byTrace.TryGetValue(traceId, out var spans) ? [.. spans.OrderBy(s => s.StartMs)] : null;
    }

    /// <summary>Newest first; a trace matches when any of its spans comes from the resource or carries the run id.</summary>
    public IReadOnlyList<TraceSummary> ListTraces(string? resource, string? runId, int limit)
    {
        List<StoredSpan[]> traces;
        lock (_lock)
            traces = [.. _byTrace.Values.Select(t => t.ToArray())];

        return [.. traces
            .Where(spans => resource is null || spans.Any(s => s.Resource == resource))
            .Where(spans => runId is null || spans.Any(s => s.Attributes.Values.Contains(runId)))
            .Select(Summarize)
            .OrderByDescending(t => t.StartMs)
            .Take(limit)];
    }

    public int CountOf(string resource)
    {
        lock (_lock)
            return _byResource.TryGetValue(resource, out var buffer) ? buffer.Count : 0;
    }

    private static TraceSummary Summarize(StoredSpan[] spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        // The root is the earliest span whose parent is not here: the request that started it all, or,
        // while the API's spans are still on their way, the earliest span that did arrive.
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.StartMs)
                   ?? spans.MinBy(s => s.StartMs)!;
        var start = spans.Min(s => s.StartMs);
        return new TraceSummary(
            root.TraceId, root.Name, root.Resource, start, spans.Max(s => s.EndMs) - start, spans.Length,
            [.. spans.Select(s => s.Resource).Distinct().Order()],
            spans.Any(s => s.Status == "Error"));
    }

    private void Unindex(StoredSpan span)
    {
        if (!_byTrace.TryGetValue(span.TraceId, out var trace))
            return;
        trace.Remove(span);
        if (trace.Count == 0)
            _byTrace.Remove(span.TraceId);
    }
}
