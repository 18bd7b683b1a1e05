using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Exp22.Tests.ApiContract;

/// <summary>Resume, fork, steps and a run's timeout over HTTP, against the API as a real process with an admin key.</summary>
public sealed class ManageRunEndpointTests(SweepApi sweepApi) : IClassFixture<SweepApi>
{
    [Fact]
    public async Task Resume_needs_the_admin_key_puts_a_cancelled_run_back_on_the_queue_and_refuses_one_not_ended()
    {
        using var http = new HttpClient { BaseAddress = sweepApi.Process.BaseAddress };
        var runId = await StartRunAsync(http);

        var notEnded = await PostAsync(http, $"/runs/{runId}/resume", null, SweepApi.AdminKey);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(http, $"/runs/{runId}/cancel", null, SweepApi.AdminKey)).StatusCode);
        var withoutKey = await PostAsync(http, $"/runs/{runId}/resume", null);
        var resumed = await PostAsync(http, $"/runs/{runId}/resume", null, SweepApi.AdminKey);
        var after = await http.GetFromJsonAsync<JsonElement>($"/runs/{runId}");
        var unknown = await PostAsync(http, $"/runs/{Guid.CreateVersion7()}/resume", null, SweepApi.AdminKey);

        Assert.Equal(HttpStatusCode.Conflict, notEnded.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        Assert.Equal("ENQUEUED", after.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Fork_starts_a_new_run_and_names_fromStep_when_it_is_wrong()
    {
        using var http = new HttpClient { BaseAddress = sweepApi.Process.BaseAddress };
        var runId = await StartRunAsync(http);

        var forked = await PostAsync(http, $"/runs/{runId}/fork", """{"fromStep": 1}""", SweepApi.AdminKey);
        var zero = await PostAsync(http, $"/runs/{runId}/fork", """{"fromStep": 0}""", SweepApi.AdminKey);
        var missing = await PostAsync(http, $"/runs/{runId}/fork", """{}""", SweepApi.AdminKey);
        var withoutKey = await PostAsync(http, $"/runs/{runId}/fork", """{"fromStep": 1}""");
        var unknown = await PostAsync(http, $"/runs/{Guid.CreateVersion7()}/fork", """{"fromStep": 1}""", SweepApi.AdminKey);

        Assert.Equal(HttpStatusCode.Accepted, forked.StatusCode);
        var forkId = (await forked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        Assert.NotEqual(runId, forkId);
        Assert.Equal("ENQUEUED", (await http.GetFromJsonAsync<JsonElement>($"/runs/{forkId}")).GetProperty("status").GetString());
        foreach (var bad in new[] { zero, missing })
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("fromStep", out _));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Steps_lists_the_checkpoints_and_answers_404_and_400_by_id()
    {
        using var http = new HttpClient { BaseAddress = sweepApi.Process.BaseAddress };
        var runId = await StartRunAsync(http);

        var steps = await http.GetFromJsonAsync<JsonElement>($"/runs/{runId}/steps");
        var unknown = await http.GetAsync($"/runs/{Guid.CreateVersion7()}/steps");
        var bad = await http.GetAsync("/runs/not-a-guid/steps");

        Assert.Equal(JsonValueKind.Array, steps.GetProperty("steps").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("id", out _));
    }

    [Fact]
    public async Task Start_run_takes_an_optional_timeoutSeconds_and_names_it_when_wrong()
    {
        using var http = new HttpClient { BaseAddress = sweepApi.Process.BaseAddress };

        var accepted = await PostAsync(http, "/runs", """{"subWorkflows":1,"stepsPerWorkflow":1,"timeoutSeconds":60}""");
        var zero = await PostAsync(http, "/runs", """{"subWorkflows":1,"stepsPerWorkflow":1,"timeoutSeconds":0}""");
        var text = await PostAsync(http, "/runs", """{"subWorkflows":1,"stepsPerWorkflow":1,"timeoutSeconds":"soon"}""");

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        foreach (var bad in new[] { zero, text })
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("timeoutSeconds", out _));
        }
    }

    private static async Task<Guid> StartRunAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/runs",
            new StringContent("""{"subWorkflows":1,"stepsPerWorkflow":1}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string? json, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (key is not null)
            request.Headers.Add("X-Api-Key", key);
        return http.SendAsync(request);
    }
}
