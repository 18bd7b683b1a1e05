using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.Processes;

/// <summary>The API as a real process against the private PostgreSQL: its contract at the edges.</summary>
public sealed class ApiProcessTests
{
    private static async Task<ServiceProcess> StartApiAsync()
    {
        var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = await TestPostgres.CreateDatabaseAsync("api"),
        });
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return api;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Trait("Category", "Slow")]
    [Theory]
    [InlineData("/?n_sub_workflows=-1", "n_sub_workflows")]
    [InlineData("/?n_sub_workflows=0", "n_sub_workflows")]
    [InlineData("/?n_steps_per_workflow=abc", "n_steps_per_workflow")]
    [InlineData("/?n_sub_workflows=99999999999", "n_sub_workflows")]
    [InlineData("/runs?limit=0", "limit")]
    [InlineData("/runs?status=DONE", "status")]
    [InlineData("/runs/not-a-guid", "id")]
    public async Task Bad_query_input_is_a_400_naming_the_field(string url, string field)
    {
        await using var api = await StartApiAsync();
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        var response = await http.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Trait("Category", "Slow")]
    [Theory]
    [InlineData("""{"subWorkflows":2,""", "body")]
    [InlineData("""{"subWorkflows":"2","stepsPerWorkflow":2}""", "subWorkflows")]
    [InlineData("""{"subWorkflows":2,"stepsPerWorkflow":0}""", "stepsPerWorkflow")]
    [InlineData("""{"subWorkflows":2,"stepsPerWorkflow":2,"stepDelayMs":{"min":-1,"max":5}}""", "stepDelayMs.min")]
    public async Task A_bad_body_is_a_400_naming_the_field(string body, string field)
    {
        await using var api = await StartApiAsync();
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        var response = await http.PostAsync("/runs", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Unknown_runs_are_404_and_an_idempotency_key_maps_to_one_run()
    {
        await using var api = await StartApiAsync();
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var body = """{"subWorkflows":1,"stepsPerWorkflow":1}""";

        var unknown = await http.GetAsync($"/runs/{Guid.NewGuid()}");
        var cancelUnknown = await http.PostAsync($"/runs/{Guid.NewGuid()}/cancel", null);
        var first = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/runs")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", "order-42" } },
        });
        var second = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/runs")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", "order-42" } },
        });

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancelUnknown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        Assert.Equal(firstId, secondId);
        Assert.Equal($"/runs/{firstId}", first.Headers.Location?.ToString());
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task The_seed_curl_runs_to_success_through_the_api_and_two_executors()
    {
        var database = await TestPostgres.CreateDatabaseAsync("seed");
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string> { ["ConnectionStrings__exp22db"] = database });
        await using var executor = ServiceProcess.Start("Exp22.Executor", "exp22-executor-1", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = database,
            ["Demo__StepDelayMinMs"] = "50",
            ["Demo__StepDelayMaxMs"] = "100",
        });
        await Task.WhenAll(api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)), executor.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        var started = await http.GetAsync("/?n_sub_workflows=2&n_steps_per_workflow=3");
        var statusUrl = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString();
        JsonElement run = default;
        await Engine.Eventually.TrueAsync(async () =>
        {
            run = await http.GetFromJsonAsync<JsonElement>(statusUrl);
            return run.GetProperty("status").GetString() is "SUCCESS" or "ERROR";
        }, TimeSpan.FromSeconds(30), "the run to finish");

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());
        Assert.Equal(6, run.GetProperty("progress").GetProperty("stepsDone").GetInt32());
        Assert.Equal(6, run.GetProperty("progress").GetProperty("stepsTotal").GetInt32());
        Assert.Equal(2, run.GetProperty("subWorkflows").GetArrayLength());
        Assert.Equal(6, executor.Lines.Count(l => l.Contains("of sub-workflow") && l.Contains("Executing step")));
    }
}
