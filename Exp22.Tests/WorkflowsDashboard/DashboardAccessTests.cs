using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.WorkflowsDashboard;

/// <summary>
/// Who may read the dashboard and act through it, with the API as a real process outside Development:
/// through the admin key as an authorization policy, or not at all without one.
/// </summary>
public sealed class DashboardAccessTests
{
    private const string AdminKey = "dashboard-admin-key-0123456789";

    private static async Task<ServiceProcess> StartApiAsync(Dictionary<string, string> settings)
    {
        settings["ConnectionStrings__exp22db"] = await TestPostgres.CreateDatabaseAsync("dashboard_access");
        var api = ServiceProcess.Start("Exp22.Api", "api", settings);
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return api;
    }

    private static int StatusOf(JsonElement settings, string operation) => settings.GetProperty(operation).GetProperty("status").GetInt32();

    [Fact]
    [Trait("Category", "Slow")]
    public async Task With_an_admin_key_reading_and_acting_need_it_in_x_api_key()
    {
        await using var api = await StartApiAsync(new() { ["Api__AdminKey"] = AdminKey });
        using var client = new DashboardClient(api.BaseAddress);
        var key = ("X-Api-Key", AdminKey);

        var anonymous = await client.GetJsonAsync("api/settings");
        using var noKey = await client.GetAsync("api/runs");
        using var wrongKey = await client.GetAsync("api/executors", ("X-Api-Key", AdminKey + "x"));
        using var withKey = await client.GetAsync("api/runs", key);
        using var startWithoutKey = await client.PostAsync("api/runs", """{"subWorkflows":1,"stepsPerWorkflow":1}""");
        using var start = await client.PostAsync("api/runs", """{"subWorkflows":1,"stepsPerWorkflow":1}""", headers: key);
        var runId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        using var cancelWithoutKey = await client.PostAsync($"api/runs/{runId}/cancel");
        using var cancel = await client.PostAsync($"api/runs/{runId}/cancel", headers: key);
        using var resumeWithoutKey = await client.PostAsync($"api/runs/{runId}/resume");
        using var forkWithoutKey = await client.PostAsync($"api/runs/{runId}/fork", """{"fromStep":1}""");
        using var fork = await client.PostAsync($"api/runs/{runId}/fork", """{"fromStep":1}""", headers: key);
        var forkId = (await fork.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        using var cancelFork = await client.PostAsync($"api/runs/{forkId}/cancel", headers: key);
        using var resume = await client.PostAsync($"api/runs/{runId}/resume", headers: key);
        using var keyedSettings = await client.GetAsync("api/settings", key);

        Assert.Equal((401, 401), (StatusOf(anonymous, "view"), StatusOf(anonymous, "act")));
        Assert.Equal("X-Api-Key", anonymous.GetProperty("credentialHeader").GetString());
        Assert.Contains("X-Api-Key", anonymous.GetProperty("view").GetProperty("detail").GetString());
        foreach (var refused in new[] { noKey, wrongKey, startWithoutKey, cancelWithoutKey, resumeWithoutKey, forkWithoutKey })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, fork.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var keyed = await keyedSettings.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((200, 200), (StatusOf(keyed, "view"), StatusOf(keyed, "act")));
        Assert.DoesNotContain(api.Lines, line => line.Contains(AdminKey));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Outside_development_without_a_policy_nothing_is_allowed_and_open_viewing_opens_reading_only()
    {
        var closedStart = StartApiAsync([]);
        var openStart = StartApiAsync(new() { ["WorkflowsDashboard__OpenViewing"] = "true" });
        await using var closed = await closedStart;
        await using var open = await openStart;
        using var closedClient = new DashboardClient(closed.BaseAddress);
        using var openClient = new DashboardClient(open.BaseAddress);

        using var closedRead = await closedClient.GetAsync("api/overview");
        using var closedStartRun = await closedClient.PostAsync("api/runs", """{"subWorkflows":1,"stepsPerWorkflow":1}""");
        using var openRead = await openClient.GetAsync("api/overview");
        using var openStartRun = await openClient.PostAsync("api/runs", """{"subWorkflows":1,"stepsPerWorkflow":1}""");
        using var openCancel = await openClient.PostAsync($"api/runs/{Guid.CreateVersion7()}/cancel");
        using var openResume = await openClient.PostAsync($"api/runs/{Guid.CreateVersion7()}/resume");
        using var openFork = await openClient.PostAsync($"api/runs/{Guid.CreateVersion7()}/fork", """{"fromStep":1}""");
        using var page = await closedClient.GetAsync("");

        Assert.Equal(HttpStatusCode.Forbidden, closedRead.StatusCode);
        Assert.Contains("outside the Development environment (here: Production)", await closedRead.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, closedStartRun.StatusCode);
        Assert.Equal(HttpStatusCode.OK, openRead.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, openStartRun.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, openCancel.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, openResume.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, openFork.StatusCode);
        // The page itself holds no data; what it shows comes from the guarded JSON.
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Theory]
    [InlineData("WorkflowsDashboard__TraceUrlTemplate", "localhost:18888/traces", "WorkflowsDashboard:TraceUrlTemplate must be an absolute http(s) URL containing {traceId}")]
    [InlineData("WorkflowsDashboard__ViewPolicy", "nobody", "WorkflowsDashboard:ViewPolicy names no registered authorization policy: 'nobody'")]
    [InlineData("WorkflowsDashboard__CredentialHeader", "X Key", "WorkflowsDashboard:CredentialHeader must be a header name")]
    public async Task A_bad_dashboard_setting_stops_the_api_at_start_naming_the_key(string key, string value, string message)
    {
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = "Host=127.0.0.1;Port=1;Database=none",
            [key] = value,
        });

        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        Assert.Contains(api.Lines, line => line.Contains("cannot start") && line.Contains(message));
    }
}
