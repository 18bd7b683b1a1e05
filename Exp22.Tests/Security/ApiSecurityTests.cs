using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.Security;

/// <summary>The admin key on cancel and the request limits, against the API as a real process.</summary>
public sealed class ApiSecurityTests
{
    private const string AdminKey = "test-admin-key-0123456789";
    private const string RunBody = """{"subWorkflows":1,"stepsPerWorkflow":1}""";

    private static async Task<ServiceProcess> StartApiAsync(string? adminKey = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = await TestPostgres.CreateDatabaseAsync("security"),
        };
        if (adminKey is not null)
            environment["Api__AdminKey"] = adminKey;
        var api = ServiceProcess.Start("Exp22.Api", "api", environment);
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return api;
    }

    private static async Task<Guid> StartRunAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/runs", new StringContent(RunBody, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
    }

    private static Task<HttpResponseMessage> CancelAsync(HttpClient http, Guid runId, params string[] keys)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/runs/{runId}/cancel");
        foreach (var key in keys)
            request.Headers.TryAddWithoutValidation("X-Api-Key", key);
        return http.SendAsync(request);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task With_an_admin_key_cancel_needs_it_in_x_api_key_and_refuses_anything_else_with_401()
    {
        await using var api = await StartApiAsync(AdminKey);
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var runId = await StartRunAsync(http);

        var none = await CancelAsync(http, runId);
        var wrong = await CancelAsync(http, runId, AdminKey + "x");
        var prefix = await CancelAsync(http, runId, AdminKey[..^1]);
        var twice = await CancelAsync(http, runId, AdminKey, AdminKey);
        var stillRunning = await http.GetFromJsonAsync<JsonElement>($"/runs/{runId}");
        var right = await CancelAsync(http, runId, AdminKey);
        var reads = await http.GetAsync($"/runs/{runId}");

        foreach (var refused in new[] { none, wrong, prefix, twice })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("X-Api-Key", await refused.Content.ReadAsStringAsync());
        }

        Assert.Equal("ENQUEUED", stillRunning.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Accepted, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reads.StatusCode);
        Assert.DoesNotContain(api.Lines, line => line.Contains(AdminKey));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Without_an_admin_key_cancel_is_open()
    {
        await using var api = await StartApiAsync();
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var runId = await StartRunAsync(http);

        var response = await CancelAsync(http, runId);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_short_admin_key_stops_the_api_at_start_naming_the_key()
    {
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
            ["Api__AdminKey"] = "short",
        });

        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        Assert.Contains(api.Lines, line => line.Contains("cannot start") && line.Contains("Api:AdminKey"));
        Assert.DoesNotContain(api.Lines, line => line.Contains("short"));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Bodies_over_16_KiB_are_413_and_list_and_key_limits_are_400_naming_the_field()
    {
        await using var api = await StartApiAsync();
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var padding = new string(' ', 16 * 1024);
        var oversized = new StringContent("{\"subWorkflows\":1,\"stepsPerWorkflow\":1}" + padding, Encoding.UTF8, "application/json");
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"subWorkflows\":1,\"stepsPerWorkflow\":1}" + padding)));
        chunked.Headers.ContentType = new("application/json");
        var longKey = new HttpRequestMessage(HttpMethod.Post, "/runs") { Content = new StringContent(RunBody, Encoding.UTF8, "application/json") };
        longKey.Headers.Add("Idempotency-Key", new string('k', 201));

        var tooLarge = await http.PostAsync("/runs", oversized);
        var tooLargeChunked = await http.PostAsync("/runs", chunked);
        var justRight = await http.PostAsync("/runs", new StringContent(RunBody + new string(' ', 16 * 1024 - RunBody.Length), Encoding.UTF8, "application/json"));
        var tooMany = await http.GetAsync("/runs?limit=501");
        var most = await http.GetAsync("/runs?limit=500");
        var keyTooLong = await http.SendAsync(longKey);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLargeChunked.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, justRight.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.True((await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("limit", out _));
        Assert.Equal(HttpStatusCode.OK, most.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, keyTooLong.StatusCode);
        Assert.True((await keyTooLong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }
}
