using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Exp22.Harness.Demo;

namespace Exp22.Tests.WorkflowsDashboard;

/// <summary>HTTP against a mounted workflows dashboard, as its page calls it.</summary>
public sealed class DashboardClient(Uri baseAddress, string prefix = "/workflows") : IDisposable
{
    public const string PageHeader = "X-Workflows-Dashboard";

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient Http => _http;

    public string Path(string relative) => $"{prefix}/{relative}";

    public Task<HttpResponseMessage> GetAsync(string relative, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Path(relative));
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        return _http.SendAsync(request);
    }

    public async Task<JsonElement> GetJsonAsync(string relative)
    {
        using var response = await GetAsync(relative);
        Assert.True(response.IsSuccessStatusCode, $"GET {relative}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A POST as the page sends it (its header, JSON), plus any headers given.</summary>
    public Task<HttpResponseMessage> PostAsync(string relative, string json = "{}", bool asPage = true, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path(relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (asPage)
            request.Headers.Add(PageHeader, "1");
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        return _http.SendAsync(request);
    }

    public async Task<Guid> StartRunAsync(int subWorkflows, int steps, int delayMs)
    {
        using var response = await PostAsync("api/runs",
            DemoRuns.Input(subWorkflows, steps, delayMs, delayMs));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
    }

    public async Task<JsonElement> UntilRunAsync(Guid runId, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var run = await GetJsonAsync($"api/runs/{runId}");
            if (condition(run.GetProperty("run")))
                return run;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting for {what}: {run}");
            await Task.Delay(100);
        }
    }

    public void Dispose() => _http.Dispose();
}
