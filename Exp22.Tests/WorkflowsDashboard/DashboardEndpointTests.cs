using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Exp22.Tests.WorkflowsDashboard;

/// <summary>
/// The dashboard's page and JSON as the API serves them (Development, requests from loopback: the local
/// rule allows reading and acting), with an executor running the demo workflows on a real PostgreSQL.
/// </summary>
public sealed class DashboardEndpointTests(DashboardServices services) : IClassFixture<DashboardServices>
{
    private DashboardClient Client() => new(services.Api.BaseAddress);

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
            Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}': {body}");
    }

    [Fact]
    public async Task The_page_and_its_scripts_come_from_the_assembly_with_a_strict_content_security_policy()
    {
        using var client = Client();
        using var bare = await client.Http.GetAsync("/workflows");
        using var page = await client.Http.GetAsync("/workflows/");
        using var script = await client.Http.GetAsync("/workflows/app.js");
        var etag = script.Headers.ETag!.Tag;
        using var again = await client.GetAsync("app.js", ("If-None-Match", etag));
        using var missing = await client.Http.GetAsync("/workflows/nothing.js");

        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/workflows/", bare.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"app.js\"></script>", html);
        Assert.DoesNotContain("http", html.Replace("http-equiv", ""), StringComparison.OrdinalIgnoreCase);
        var policy = string.Join(" ", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_run_started_through_the_dashboard_is_served_with_its_tree_progress_steps_and_trace_link()
    {
        using var client = Client();
        var runId = await client.StartRunAsync(subWorkflows: 2, steps: 3, delayMs: 50);
        var answer = await client.UntilRunAsync(runId, r => r.GetProperty("status").GetString() == "SUCCESS", TimeSpan.FromSeconds(60), "the run to succeed");
        var list = await client.GetJsonAsync($"api/runs?search={runId.ToString()[..18]}");
        var overview = await client.GetJsonAsync("api/overview?minutes=1");
        var executors = await client.GetJsonAsync("api/executors");

        var run = answer.GetProperty("run");
        Assert.Equal(runId, run.GetProperty("id").GetGuid());
        Assert.Equal("demo-run", run.GetProperty("workflowName").GetString());
        Assert.Equal(JsonSerializer.Serialize(new { stepsDone = 6, stepsTotal = 6, workflows = 3, workflowsFinished = 3, percent = 100 }),
            run.GetProperty("progress").GetRawText());
        var children = run.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal([1, 2], children.Select(c => c.GetProperty("childIndex").GetInt32()));
        foreach (var child in children)
        {
            Assert.Equal(3, child.GetProperty("progress").GetProperty("stepsTotal").GetInt32());
            var steps = child.GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(["step-1", "step-2", "step-3"], steps.Select(s => s.GetProperty("name").GetString()));
            Assert.All(steps, s => Assert.Equal("exp22-executor-1", s.GetProperty("executorId").GetString()));
            Assert.All(steps, s => Assert.Equal((1, 1), (s.GetProperty("attempt").GetInt32(), s.GetProperty("tries").GetInt32())));
            Assert.All(steps, s => Assert.Equal(JsonValueKind.Number, s.GetProperty("output").ValueKind));
            Assert.Empty(child.GetProperty("handovers").EnumerateArray());
        }

        var traceId = answer.GetProperty("traceId").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Equal(DashboardServices.TraceUrlTemplate.Replace("{traceId}", traceId), answer.GetProperty("traceUrl").GetString());

        var listed = Assert.Single(list.GetProperty("runs").EnumerateArray());
        Assert.Equal(runId, listed.GetProperty("runId").GetGuid());
        Assert.Equal(100, listed.GetProperty("progress").GetProperty("percent").GetInt32());

        var success = overview.GetProperty("statuses").EnumerateArray().Single(s => s.GetProperty("status").GetString() == "SUCCESS");
        Assert.True(success.GetProperty("workflows").GetInt32() >= 3);
        Assert.Equal(60, overview.GetProperty("windowSeconds").GetDouble());
        Assert.Equal(1, overview.GetProperty("bucketSeconds").GetDouble());
        Assert.True(overview.GetProperty("throughput").EnumerateArray().Sum(p => p.GetProperty("succeeded").GetInt32()) >= 3);

        var executor = executors.GetProperty("executors").EnumerateArray().Single(e => e.GetProperty("executorId").GetString() == "exp22-executor-1");
        Assert.Equal("running", executor.GetProperty("state").GetString());
        Assert.InRange(executor.GetProperty("heartbeatAgeSeconds").GetDouble(), 0, 3);
        Assert.Equal(3, executor.GetProperty("heartbeatTimeoutSeconds").GetDouble());
    }

    [Fact]
    public async Task A_cancel_stops_an_unfinished_run_and_a_finished_run_answers_409()
    {
        using var client = Client();
        var runId = await client.StartRunAsync(subWorkflows: 1, steps: 20, delayMs: 500);
        await client.UntilRunAsync(runId, r => r.GetProperty("status").GetString() == "RUNNING", TimeSpan.FromSeconds(30), "the run to start");

        using var cancel = await client.PostAsync($"api/runs/{runId}/cancel");
        var run = await client.UntilRunAsync(runId, r => r.GetProperty("status").GetString() == "CANCELLED", TimeSpan.FromSeconds(10), "the cancel");
        using var again = await client.PostAsync($"api/runs/{runId}/cancel");

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("CANCELLED", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.All(run.GetProperty("run").GetProperty("children").EnumerateArray(),
            c => Assert.Equal("CANCELLED", c.GetProperty("status").GetString()));
        await AssertProblemAsync(again, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_resume_takes_a_cancelled_run_back_to_success_and_an_unfinished_one_answers_409()
    {
        using var client = Client();
        var runId = await client.StartRunAsync(subWorkflows: 1, steps: 6, delayMs: 300);
        await client.UntilRunAsync(runId, r => r.GetProperty("status").GetString() == "RUNNING", TimeSpan.FromSeconds(30), "the run to start");
        using var whileRunning = await client.PostAsync($"api/runs/{runId}/resume");
        using var cancel = await client.PostAsync($"api/runs/{runId}/cancel");
        await client.UntilRunAsync(runId, r => r.GetProperty("status").GetString() == "CANCELLED", TimeSpan.FromSeconds(10), "the cancel");

        using var resume = await client.PostAsync($"api/runs/{runId}/resume");
        var run = await client.UntilRunAsync(runId, r => r.GetProperty("status").GetString() == "SUCCESS", TimeSpan.FromSeconds(60), "the resumed run to succeed");

        await AssertProblemAsync(whileRunning, HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var answer = await resume.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((runId, "ENQUEUED"), (answer.GetProperty("runId").GetGuid(), answer.GetProperty("status").GetString()));
        Assert.All(run.GetProperty("run").GetProperty("children").EnumerateArray(),
            c => Assert.Equal("SUCCESS", c.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_fork_from_a_step_starts_a_new_run_that_succeeds_and_a_bad_from_step_answers_400_naming_it()
    {
        using var client = Client();
        var runId = await client.StartRunAsync(subWorkflows: 1, steps: 2, delayMs: 20);
        await client.UntilRunAsync(runId, r => r.GetProperty("status").GetString() == "SUCCESS", TimeSpan.FromSeconds(60), "the run to succeed");

        using var fork = await client.PostAsync($"api/runs/{runId}/fork", """{"fromStep":2}""");
        var answer = await fork.Content.ReadFromJsonAsync<JsonElement>();
        var forkId = answer.GetProperty("runId").GetGuid();
        var forked = await client.UntilRunAsync(forkId, r => r.GetProperty("status").GetString() == "SUCCESS", TimeSpan.FromSeconds(60), "the fork to succeed");
        using var zero = await client.PostAsync($"api/runs/{runId}/fork", """{"fromStep":0}""");
        using var text = await client.PostAsync($"api/runs/{runId}/fork", """{"fromStep":"two"}""");
        using var missing = await client.PostAsync($"api/runs/{runId}/fork", "{}");
        using var notJson = await client.PostAsync($"api/runs/{runId}/fork", "fromStep=2");
        using var unknown = await client.PostAsync($"api/runs/{Guid.CreateVersion7()}/fork", """{"fromStep":1}""");
        using var badId = await client.PostAsync("api/runs/42/fork", """{"fromStep":1}""");

        Assert.Equal(HttpStatusCode.Accepted, fork.StatusCode);
        Assert.NotEqual(runId, forkId);
        Assert.Equal((runId, 2), (answer.GetProperty("forkedFrom").GetGuid(), answer.GetProperty("fromStep").GetInt32()));
        Assert.Equal(forkId, forked.GetProperty("run").GetProperty("id").GetGuid());
        foreach (var bad in new[] { zero, text, missing, notJson })
            await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "fromStep");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        await AssertProblemAsync(badId, HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task The_start_form_is_the_apis_and_its_validation_comes_back_naming_each_field()
    {
        using var client = Client();
        var settings = await client.GetJsonAsync("api/settings");
        using var bad = await client.PostAsync("api/runs", """{"subWorkflows":0,"stepsPerWorkflow":"three","stepDelayMs":{"min":5}}""");

        var fields = settings.GetProperty("startForm").GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString());
        Assert.Equal(["subWorkflows", "stepsPerWorkflow", "stepDelayMs.min", "stepDelayMs.max"], fields);
        Assert.True(settings.GetProperty("traceLinks").GetBoolean());
        Assert.Equal(200, settings.GetProperty("view").GetProperty("status").GetInt32());
        Assert.Equal(200, settings.GetProperty("act").GetProperty("status").GetInt32());
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["stepDelayMs.max", "stepsPerWorkflow", "subWorkflows"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Contains("between 1 and 100", errors.GetProperty("subWorkflows")[0].GetString());
    }

    [Theory]
    [InlineData("api/overview?minutes=0", "minutes")]
    [InlineData("api/overview?minutes=61", "minutes")]
    [InlineData("api/runs?status=DONE", "status")]
    [InlineData("api/runs?from=yesterday", "from")]
    [InlineData("api/runs?to=2026-13-01", "to")]
    [InlineData("api/runs?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("api/runs?search=not-hex", "search")]
    [InlineData("api/runs?limit=0", "limit")]
    [InlineData("api/runs?limit=501", "limit")]
    [InlineData("api/runs/not-a-run-id", "id")]
    public async Task A_bad_query_answers_400_naming_the_field(string path, string field)
    {
        using var client = Client();
        using var response = await client.GetAsync(path);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Unknown_runs_answer_404_and_a_bad_id_400_to_reads_and_cancels_alike()
    {
        using var client = Client();
        var unknown = Guid.CreateVersion7();
        using var read = await client.GetAsync($"api/runs/{unknown}");
        using var cancel = await client.PostAsync($"api/runs/{unknown}/cancel");
        using var badCancel = await client.PostAsync("api/runs/42/cancel");

        await AssertProblemAsync(read, HttpStatusCode.NotFound);
        await AssertProblemAsync(cancel, HttpStatusCode.NotFound);
        await AssertProblemAsync(badCancel, HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task A_state_change_needs_a_post_from_the_page_itself()
    {
        using var client = Client();
        var runId = await client.StartRunAsync(subWorkflows: 1, steps: 20, delayMs: 500);
        using var noHeader = await client.PostAsync($"api/runs/{runId}/cancel", asPage: false);
        using var otherOrigin = await client.PostAsync($"api/runs/{runId}/cancel", headers: ("Origin", "http://evil.example"));
        using var crossSite = await client.PostAsync($"api/runs/{runId}/cancel", headers: ("Sec-Fetch-Site", "cross-site"));
        using var start = await client.PostAsync("api/runs", """{"subWorkflows":1,"stepsPerWorkflow":1}""", asPage: false);
        using var get = await client.GetAsync($"api/runs/{runId}/cancel");
        using var resumeNoHeader = await client.PostAsync($"api/runs/{runId}/resume", asPage: false);
        using var forkCrossSite = await client.PostAsync($"api/runs/{runId}/fork", """{"fromStep":1}""", headers: ("Sec-Fetch-Site", "cross-site"));
        using var forkOtherOrigin = await client.PostAsync($"api/runs/{runId}/fork", """{"fromStep":1}""", headers: ("Origin", "http://evil.example"));
        using var getResume = await client.GetAsync($"api/runs/{runId}/resume");
        using var sameOrigin = await client.PostAsync($"api/runs/{runId}/cancel",
            headers: [("Origin", services.Api.BaseAddress.GetLeftPart(UriPartial.Authority)), ("Sec-Fetch-Site", "same-origin")]);

        foreach (var refused in new[] { noHeader, otherOrigin, crossSite, start, resumeNoHeader, forkCrossSite, forkOtherOrigin })
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden);
        Assert.Contains("X-Workflows-Dashboard", await noHeader.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, getResume.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, sameOrigin.StatusCode);
    }

    [Fact]
    public async Task Without_a_policy_a_request_naming_another_host_is_refused_even_from_loopback()
    {
        using var client = Client();
        using var rebound = await client.GetAsync("api/runs", ("Host", "evil.example"));
        using var settings = await client.GetAsync("api/settings", ("Host", "evil.example"));

        await AssertProblemAsync(rebound, HttpStatusCode.Forbidden);
        Assert.Contains("'evil.example', which is not a loopback name", await rebound.Content.ReadAsStringAsync());
        var answer = await settings.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(403, answer.GetProperty("view").GetProperty("status").GetInt32());
    }
}
