using Exp22.AppHost.Telemetry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Exp22.AppHost.Telemetry.Api;

/// <summary>The JSON the dashboard's Traces, Structured logs and Metrics tabs read.</summary>
public static class TelemetryApi
{
    public const string Prefix = "/api/telemetry";
    private const int MaxLimit = 5_000;

    private static readonly Dictionary<string, int> MinSeverityOfLevel = new(StringComparer.OrdinalIgnoreCase)
    {
        ["trace"] = 1, ["debug"] = 5, ["information"] = 9, ["warning"] = 13, ["error"] = 17, ["critical"] = 21,
    };

    public static IEndpointRouteBuilder MapTelemetryApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Prefix);

        api.MapGet("/resources", (ResourceCatalog catalog, SpanStore spans, LogStore logs, MetricStore metrics) =>
            catalog.All.Select(r => new ResourceSummary(
                r.Name, r.ServiceName, r.InstanceId, spans.CountOf(r.Name), logs.CountOf(r.Name), metrics.CountOf(r.Name))));

        api.MapGet("/traces", (SpanStore spans, string? resource, string? runId, string? limit) =>
            ParseLimit(limit, 100) is not { } max
                ? LimitProblem()
                : Results.Ok(spans.ListTraces(Blank(resource), Blank(runId), max)));

        api.MapGet("/traces/{traceId}", (SpanStore spans, string traceId) =>
            spans.GetTrace(traceId.ToLowerInvariant()) is { } trace
                ? Results.Ok(new { traceId = traceId.ToLowerInvariant(), spans = trace })
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No trace {traceId} is kept."));

        api.MapGet("/logs", (LogStore logs, string? resource, string? level, string? runId, string? traceId, string? text, string? limit) =>
        {
            var minSeverity = 0;
            if (Blank(level) is { } named && !MinSeverityOfLevel.TryGetValue(named, out minSeverity))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["level"] = [$"'{named}' is not a level; use one of {string.Join(", ", MinSeverityOfLevel.Keys)}."],
                });
            }

            return ParseLimit(limit, 500) is not { } max
                ? LimitProblem()
                : Results.Ok(logs.Query(new LogQuery(
                    Blank(resource), minSeverity, Blank(runId), Blank(traceId)?.ToLowerInvariant(), Blank(text), max)));
        });

        api.MapGet("/metrics", (MetricStore metrics, string? resource) => metrics.Instruments(Blank(resource)));

        api.MapGet("/metrics/{name}", (MetricStore metrics, string name, string? resource) =>
            metrics.SeriesOf(name, Blank(resource)) is { Count: > 0 } series
                ? Results.Ok(series)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No series of metric '{name}' is kept."));

        return endpoints;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int? ParseLimit(string? value, int fallback) =>
        Blank(value) is not { } text ? fallback
        : int.TryParse(text, out var limit) && limit is >= 1 and <= MaxLimit ? limit
        : null;

    private static IResult LimitProblem() => Results.ValidationProblem(new Dictionary<string, string[]>
    {
        ["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."],
    });
}
