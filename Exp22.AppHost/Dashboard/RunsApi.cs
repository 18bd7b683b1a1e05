using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Exp22.AppHost.Dashboard;

/// <summary>The API the dashboard lists and starts runs through (it never touches the database itself).</summary>
/// <param name="endpoint">The API's current endpoint (a picked port may change when it restarts); null: no API in the model.</param>
internal sealed class RunsApi(Func<Uri?>? endpoint)
{
    private const int ListedRuns = 15;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Dictionary<Guid, int?> _finishedTotals = [];

    public bool IsConfigured => endpoint is not null;

    /// <summary>Forwards a request and hands back the API's status and body (a 400's problem details included).</summary>
    public async Task<(int Status, string ContentType, string Body)> ForwardAsync(HttpMethod method, string path, string? jsonBody, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, Address(path));
        if (jsonBody is not null)
            request.Content = new StringContent(jsonBody, System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString() ?? "application/json", body);
    }

    /// <summary>The newest runs with their progress; the list lacks each run's total, so unfinished runs are read one by one.</summary>
    public async Task<JsonArray> RecentRunsAsync(CancellationToken ct)
    {
        var list = await _http.GetFromJsonAsync<JsonObject>(Address($"/runs?limit={ListedRuns}"), ct);
        var runs = list?["runs"]?.AsArray() ?? [];
        var result = new JsonArray();
        foreach (var run in runs.OfType<JsonObject>())
        {
            var id = run["runId"]!.GetValue<Guid>();
            var status = run["status"]!.GetValue<string>();
            var item = (JsonObject)run.DeepClone();
            item["stepsTotal"] = await StepsTotalAsync(id, status, ct);
            result.Add(item);
        }

        return result;
    }

    private Uri Address(string path) =>
        new(endpoint?.Invoke() ?? throw new InvalidOperationException("The app model gives the dashboard no API."), path);

    private async Task<int?> StepsTotalAsync(Guid id, string status, CancellationToken ct)
    {
        lock (_finishedTotals)
        {
            if (_finishedTotals.TryGetValue(id, out var known))
                return known;
        }

        var details = await _http.GetFromJsonAsync<JsonElement>(Address($"/runs/{id}"), ct);
        int? total = details.TryGetProperty("progress", out var progress) && progress.TryGetProperty("stepsTotal", out var t)
                     && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : null;
        if (status is "SUCCESS" or "ERROR" or "CANCELLED")
        {
            lock (_finishedTotals)
                _finishedTotals[id] = total;
        }

        return total;
    }
}
