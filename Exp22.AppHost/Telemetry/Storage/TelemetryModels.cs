namespace Exp22.AppHost.Telemetry.Storage;

// What the store keeps and the JSON endpoints return: OTLP flattened to what the pages show.
// Times are Unix milliseconds (with fractions), ids lower-case hex, attribute values strings.

public sealed record StoredSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    double StartMs,
    double EndMs,
    string Resource,
    string Scope,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<StoredSpanEvent> Events,
    IReadOnlyList<StoredSpanLink> Links,
    string Status,
    string? StatusMessage)
{
    public double DurationMs => EndMs - StartMs;
}

public sealed record StoredSpanEvent(string Name, double TimeMs, IReadOnlyDictionary<string, string> Attributes);

public sealed record StoredSpanLink(string TraceId, string SpanId, IReadOnlyDictionary<string, string> Attributes);

public sealed record StoredLog(
    long Sequence,
    double TimeMs,
    string Resource,
    string Category,
    int SeverityNumber,
    string Level,
    string Message,
    IReadOnlyDictionary<string, string> Attributes,
    string? TraceId,
    string? SpanId);

public sealed record TraceSummary(
    string TraceId,
    string RootName,
    string RootResource,
    double StartMs,
    double DurationMs,
    int SpanCount,
    IReadOnlyList<string> Resources,
    bool HasError);

public sealed record StoredInstrument(string Resource, string Name, string Description, string Unit, string Type);

public sealed record StoredPoint(double TimeMs, double Value, long? Count, double? Sum);

public sealed record StoredSeries(
    string Resource, string Name, string Unit, string Type, IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<StoredPoint> Points);

public sealed record ResourceSummary(string Name, string ServiceName, string? InstanceId, int Spans, int Logs, int Series);
