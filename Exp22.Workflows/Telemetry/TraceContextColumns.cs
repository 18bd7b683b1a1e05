using System.Diagnostics;

namespace Exp22.Workflows.Telemetry;

/// <summary>
/// A span context as stored with a workflow row: the W3C <c>traceparent</c> and <c>tracestate</c>
/// strings, so that the execution, in another process and possibly much later, continues the trace.
/// </summary>
internal readonly record struct TraceContextColumns(string? TraceParent, string? TraceState)
{
    public static TraceContextColumns None => default;

    /// <summary>The current span's context, or nothing when no span is being recorded.</summary>
    public static TraceContextColumns OfCurrent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current
            ? new TraceContextColumns(current.Id, current.TraceStateString)
            : None;

    public bool TryGetContext(out ActivityContext context)
    {
        context = default;
        return TraceParent is not null && ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out context);
    }

    public object TraceParentValue => (object?)TraceParent ?? DBNull.Value;

    public object TraceStateValue => (object?)TraceState ?? DBNull.Value;
}
