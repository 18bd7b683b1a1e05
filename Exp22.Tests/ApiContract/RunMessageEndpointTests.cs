using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Exp22.Tests.ApiContract;

/// <summary>Messages to runs over HTTP, against the API as a real process with an admin key (no executor: runs stay enqueued).</summary>
public sealed class RunMessageEndpointTests(SweepApi sweepApi) : IClassFixture<SweepApi>
{
    [Fact]
    public async Task A_finished_run_answers_409_naming_its_status_a_resend_of_a_message_it_took_is_a_duplicate_and_an_unknown_run_404()
    {
        using var http = new HttpClient { BaseAddress = sweepApi.Process.BaseAddress };
        using var started = await http.PostAsync("/runs",
            new StringContent("""{"subWorkflows":1,"stepsPerWorkflow":1}""", Encoding.UTF8, "application/json"));
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();

        using var beforeFinish = await SendAsync(http, runId, "pay-1");
        using var cancel = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/runs/{runId}/cancel")
            { Headers = { { "X-Api-Key", SweepApi.AdminKey } } });
        using var afterFinish = await SendAsync(http, runId, "pay-2");
        using var resend = await SendAsync(http, runId, "pay-1");
        using var unknown = await SendAsync(http, Guid.CreateVersion7(), "pay-3");
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var declared = document.GetProperty("paths").GetProperty("/runs/{id}/messages/{topic}").GetProperty("post").GetProperty("responses");

        Assert.Equal(HttpStatusCode.Accepted, beforeFinish.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, afterFinish.StatusCode);
        Assert.Equal("application/problem+json", afterFinish.Content.Headers.ContentType?.MediaType);
        var problem = await afterFinish.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("CANCELLED", problem.GetProperty("runStatus").GetString());
        Assert.Contains("CANCELLED", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Accepted, resend.StatusCode);
        Assert.True((await resend.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.True(declared.TryGetProperty("409", out _), "the OpenAPI document does not declare the 409");
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, Guid runId, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/runs/{runId}/messages/approve")
        {
            Content = new StringContent("""{"approvedBy": "ops"}""", Encoding.UTF8, "application/json"),
            Headers = { { "X-Api-Key", SweepApi.AdminKey }, { "Idempotency-Key", idempotencyKey } },
        };
        return http.SendAsync(request);
    }
}
