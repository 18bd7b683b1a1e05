using System.Net.Http.Json;
using System.Text.Json;
using Exp22.Tests.Engine;

namespace Exp22.Tests.AppHost;

/// <summary>One span as the Aspire dashboard stored it: which resource sent it and where it hangs in its trace.</summary>
public sealed record DashboardSpan(string Resource, string Name, string SpanId, string? ParentSpanId);

/// <summary>
/// Reads traces back from the real Aspire dashboard through its telemetry HTTP API
/// (<c>/api/telemetry/traces/{traceId}</c>, OTLP JSON; unsecured under the anonymous loopback default).
/// </summary>
public static class DashboardTraces
{
    public static async Task<IReadOnlyList<DashboardSpan>> GetAsync(Uri dashboard, string traceId)
    {
        using var http = new HttpClient { BaseAddress = dashboard };
        using var response = await http.GetAsync($"/api/telemetry/traces/{traceId}");
        if (!response.IsSuccessStatusCode)
            return [];
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return
        [
            .. from resourceSpans in body.GetProperty("data").GetProperty("resourceSpans").EnumerateArray()
               let resource = ServiceName(resourceSpans)
               from scopeSpans in resourceSpans.GetProperty("scopeSpans").EnumerateArray()
               from span in scopeSpans.GetProperty("spans").EnumerateArray()
               select new DashboardSpan(
                   resource,
                   span.GetProperty("name").GetString()!,
                   span.GetProperty("spanId").GetString()!,
                   span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } id ? id : null),
        ];
    }

    /// <summary>
    /// Waits until the trace is in the dashboard whole: connected (exactly one span without a parent in the
    /// trace; processes export in batches, so a parent may arrive after its children) and as <paramref name="complete"/> asks.
    /// </summary>
    public static async Task<IReadOnlyList<DashboardSpan>> WaitForAsync(
        Uri dashboard, string traceId, Func<IReadOnlyList<DashboardSpan>, bool> complete, TimeSpan timeout)
    {
        IReadOnlyList<DashboardSpan> spans = [];
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                spans = await GetAsync(dashboard, traceId);
                return Roots(spans).Count == 1 && complete(spans);
            }, timeout, $"trace {traceId} in the dashboard");
        }
        catch (TimeoutException e)
        {
            var seen = string.Join(", ", spans.GroupBy(s => (s.Resource, s.Name)).Select(g => $"{g.Key.Resource} '{g.Key.Name}' x{g.Count()}"));
            throw new TimeoutException($"{e.Message} Roots: {Roots(spans).Count}; spans: {seen}", e);
        }

        return spans;
    }

    public static IReadOnlyList<DashboardSpan> Roots(IReadOnlyList<DashboardSpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        return [.. spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId))];
    }

    private static string ServiceName(JsonElement resourceSpans) =>
        resourceSpans.GetProperty("resource").GetProperty("attributes").EnumerateArray()
            .First(a => a.GetProperty("key").GetString() == "service.name")
            .GetProperty("value").GetProperty("stringValue").GetString()!;
}
