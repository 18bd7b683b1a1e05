using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Metrics.V1;
using Exp22.AppHost.Telemetry.Storage;
using ProtoSpan = OpenTelemetry.Proto.Trace.V1.Span;
using ProtoStatus = OpenTelemetry.Proto.Trace.V1.Status;

namespace Exp22.AppHost.Telemetry.Otlp;

/// <summary>Turns OTLP export requests into what the stores keep.</summary>
internal sealed class OtlpTranslation(SpanStore spans, LogStore logs, MetricStore metrics, ResourceCatalog resources)
{
    public void Accept(ExportTraceServiceRequest request)
    {
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = OtlpValues.Resource(resourceSpans.Resource);
            resources.Seen(resource);
            spans.Add(resourceSpans.ScopeSpans.SelectMany(scope => scope.Spans.Select(span => ToStored(span, resource, scope.Scope?.Name ?? ""))));
        }
    }

    public void Accept(ExportLogsServiceRequest request)
    {
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resource = OtlpValues.Resource(resourceLogs.Resource);
            resources.Seen(resource);
            logs.Add(resourceLogs.ScopeLogs.SelectMany(scope => scope.LogRecords.Select(record =>
            {
                var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
                var severity = (int)record.SeverityNumber;
                return new StoredLog(
                    logs.NextSequence(), OtlpValues.Milliseconds(time), resource.Name,
                    // The .NET exporter puts the logger's category in the scope name.
                    scope.Scope?.Name ?? "", severity, LevelOf(severity, record.SeverityText),
                    OtlpValues.Text(record.Body), OtlpValues.Attributes(record.Attributes),
                    OtlpValues.HexOrNull(record.TraceId), OtlpValues.HexOrNull(record.SpanId));
            })));
        }
    }

    /// <returns>The number of data points refused by the store's bounds.</returns>
    public int Accept(ExportMetricsServiceRequest request)
    {
        var refused = 0;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var resource = OtlpValues.Resource(resourceMetrics.Resource);
            resources.Seen(resource);
            foreach (var metric in resourceMetrics.ScopeMetrics.SelectMany(scope => scope.Metrics))
            {
                var (type, points) = PointsOf(metric);
                refused += metrics.Add(new StoredInstrument(resource.Name, metric.Name, metric.Description, metric.Unit, type), points);
            }
        }

        return refused;
    }

    private static StoredSpan ToStored(ProtoSpan span, TelemetryResource resource, string scope) => new(
        OtlpValues.Hex(span.TraceId),
        OtlpValues.Hex(span.SpanId),
        OtlpValues.HexOrNull(span.ParentSpanId),
        span.Name,
        span.Kind switch
        {
            ProtoSpan.Types.SpanKind.Server => "Server",
            ProtoSpan.Types.SpanKind.Client => "Client",
            ProtoSpan.Types.SpanKind.Producer => "Producer",
            ProtoSpan.Types.SpanKind.Consumer => "Consumer",
            _ => "Internal",
        },
        OtlpValues.Milliseconds(span.StartTimeUnixNano),
        OtlpValues.Milliseconds(span.EndTimeUnixNano),
        resource.Name,
        scope,
        OtlpValues.Attributes(span.Attributes),
        [.. span.Events.Select(e => new StoredSpanEvent(e.Name, OtlpValues.Milliseconds(e.TimeUnixNano), OtlpValues.Attributes(e.Attributes)))],
        [.. span.Links.Select(l => new StoredSpanLink(OtlpValues.Hex(l.TraceId), OtlpValues.Hex(l.SpanId), OtlpValues.Attributes(l.Attributes)))],
        span.Status?.Code switch
        {
            ProtoStatus.Types.StatusCode.Error => "Error",
            ProtoStatus.Types.StatusCode.Ok => "Ok",
            _ => "Unset",
        },
        string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message);

    // Severity numbers per the OpenTelemetry log data model: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn,
    // 17-20 error, 21-24 fatal; named as .NET names its log levels.
    private static string LevelOf(int severity, string text) => severity switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => string.IsNullOrEmpty(text) ? "Unspecified" : text,
    };

    private static (string Type, IEnumerable<(IReadOnlyDictionary<string, string>, StoredPoint)> Points) PointsOf(Metric metric) =>
        metric.DataCase switch
        {
            Metric.DataOneofCase.Sum => (metric.Sum.IsMonotonic ? "Counter" : "UpDownCounter", Numbers(metric.Sum.DataPoints)),
            Metric.DataOneofCase.Gauge => ("Gauge", Numbers(metric.Gauge.DataPoints)),
            Metric.DataOneofCase.Histogram => ("Histogram", metric.Histogram.DataPoints.Select(p => (
                (IReadOnlyDictionary<string, string>)OtlpValues.Attributes(p.Attributes),
                new StoredPoint(OtlpValues.Milliseconds(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, (long)p.Count, p.Sum)))),
            Metric.DataOneofCase.ExponentialHistogram => ("Histogram", metric.ExponentialHistogram.DataPoints.Select(p => (
                (IReadOnlyDictionary<string, string>)OtlpValues.Attributes(p.Attributes),
                new StoredPoint(OtlpValues.Milliseconds(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, (long)p.Count, p.Sum)))),
            Metric.DataOneofCase.Summary => ("Summary", metric.Summary.DataPoints.Select(p => (
                (IReadOnlyDictionary<string, string>)OtlpValues.Attributes(p.Attributes),
                new StoredPoint(OtlpValues.Milliseconds(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, (long)p.Count, p.Sum)))),
            _ => ("Unknown", []),
        };

    private static IEnumerable<(IReadOnlyDictionary<string, string>, StoredPoint)> Numbers(IEnumerable<NumberDataPoint> points) =>
        points.Select(p => (
            (IReadOnlyDictionary<string, string>)OtlpValues.Attributes(p.Attributes),
            new StoredPoint(
                OtlpValues.Milliseconds(p.TimeUnixNano),
                p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble,
                null, null)));
}
