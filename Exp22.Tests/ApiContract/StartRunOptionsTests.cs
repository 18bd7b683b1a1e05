using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Exp22.Tests.ApiContract;

/// <summary>The enqueue options of <c>POST /runs</c>: each bad value is a 400 naming its field; good ones enqueue.</summary>
public sealed class StartRunOptionsTests(SweepApi api) : IClassFixture<SweepApi>
{
    private static StringContent Body(string options) =>
        new($$"""{"subWorkflows": 1, "stepsPerWorkflow": 1{{options}}}""", Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("""
        , "queue": "has spaces"
        """, "queue")]
    [InlineData("""
        , "queue": ""
        """, "queue")]
    [InlineData("""
        , "queue": "reports\n"
        """, "queue")]
    [InlineData("""
        , "queue": 7
        """, "queue")]
    [InlineData("""
        , "partitionKey": ["a"]
        """, "partitionKey")]
    [InlineData("""
        , "notBefore": "tomorrow"
        """, "notBefore")]
    [InlineData("""
        , "notBefore": "2026-01-31T09:00:00"
        """, "notBefore")]
    [InlineData("""
        , "notBefore": "9999-01-01T00:00:00Z"
        """, "notBefore")]
    [InlineData("""
        , "priority": 1001
        """, "priority")]
    [InlineData("""
        , "priority": 1.5
        """, "priority")]
    [InlineData("""
        , "applicationVersion": "has spaces"
        """, "applicationVersion")]
    [InlineData("""
        , "applicationVersion": 2
        """, "applicationVersion")]
    public async Task A_bad_enqueue_option_is_a_400_naming_the_field(string options, string field)
    {
        using var http = new HttpClient { BaseAddress = api.Process.BaseAddress };
        using var response = await http.PostAsync("/runs", Body(options.Trim()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"errors: {errors}");
    }

    [Fact]
    public async Task Good_enqueue_options_enqueue_the_run()
    {
        using var http = new HttpClient { BaseAddress = api.Process.BaseAddress };
        var notBefore = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        using var response = await http.PostAsync("/runs", Body(
            $$""", "queue": "reports", "partitionKey": "tenant-1", "notBefore": "{{notBefore}}", "priority": -5"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var runId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString();
        using var run = await http.GetAsync($"/runs/{runId}");
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
    }
}

/// <summary><c>GET /schedules</c> and pause/resume, against a schedule saved through the engine's client.</summary>
public sealed class ScheduleEndpointsTests(SweepApi api) : IClassFixture<SweepApi>
{
    [Fact]
    public async Task Schedules_are_listed_and_paused_and_resumed_with_the_admin_key_only()
    {
        using var http = new HttpClient { BaseAddress = api.Process.BaseAddress };
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(api.ConnectionString))
        {
            await new Exp22.Workflows.Schedules.ScheduleClient(dataSource, TimeProvider.System).SaveAsync(
                new Exp22.Workflows.Schedules.ScheduleDefinition("nightly", "0 2 * * *", "demo-run", "{}"), CancellationToken.None);
        }

        var listed = await http.GetFromJsonAsync<JsonElement>("/schedules");
        Assert.Contains(listed.EnumerateArray(), s => s.GetProperty("name").GetString() == "nightly" && !s.GetProperty("paused").GetBoolean());

        using (var anonymous = await http.PostAsync("/schedules/nightly/pause", null))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        http.DefaultRequestHeaders.Add("X-Api-Key", SweepApi.AdminKey);
        using (var paused = await http.PostAsync("/schedules/nightly/pause", null))
        {
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
            Assert.True((await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paused").GetBoolean());
        }

        using (var resumed = await http.PostAsync("/schedules/nightly/resume", null))
            Assert.False((await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paused").GetBoolean());
        using (var missing = await http.PostAsync("/schedules/no-such/pause", null))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var tooLong = await http.PostAsync($"/schedules/{new string('n', 201)}/pause", null))
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }
}

/// <summary>
/// <c>GET /versions</c> against runs pinned through <c>POST /runs</c>: this API has no executor, so a pinned
/// version has none live and its work is reported stranded.
/// </summary>
public sealed class VersionsEndpointTests(SweepApi api) : IClassFixture<SweepApi>
{
    [Fact]
    public async Task A_version_without_a_live_executor_is_listed_with_its_work_as_stranded()
    {
        using var http = new HttpClient { BaseAddress = api.Process.BaseAddress };
        for (var i = 0; i < 2; i++)
        {
            using var started = await http.PostAsync("/runs", new StringContent(
                """{"subWorkflows": 1, "stepsPerWorkflow": 1, "applicationVersion": "1.2.3+abc"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        var listed = await http.GetFromJsonAsync<JsonElement>("/versions");
        var version = listed.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("applicationVersion").GetString() == "1.2.3+abc");
        Assert.True(version.GetProperty("stranded").GetBoolean(), $"{version}");
        Assert.Equal(2, version.GetProperty("queued").GetInt32());
        Assert.Equal(0, version.GetProperty("running").GetInt32());
        Assert.Empty(version.GetProperty("executors").EnumerateArray());
        Assert.False(version.GetProperty("latest").GetBoolean());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("latest").ValueKind);
    }

    [Fact]
    public async Task A_resume_may_name_the_version_that_runs_the_run_from_now_on()
    {
        using var http = new HttpClient { BaseAddress = api.Process.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", SweepApi.AdminKey);
        using var started = await http.PostAsync("/runs", new StringContent(
            """{"subWorkflows": 1, "stepsPerWorkflow": 1, "applicationVersion": "1.0.0"}""", Encoding.UTF8, "application/json"));
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString();
        using (var cancelled = await http.PostAsync($"/runs/{runId}/cancel", null))
            Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);

        using (var bad = await http.PostAsync($"/runs/{runId}/resume?applicationVersion=has%20spaces", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("applicationVersion", out _));
        }

        using (var resumed = await http.PostAsync($"/runs/{runId}/resume?applicationVersion=3.0.0", null))
            Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        var listed = await http.GetFromJsonAsync<JsonElement>("/versions");
        var version = listed.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("applicationVersion").GetString() == "3.0.0");
        Assert.Equal(1, version.GetProperty("queued").GetInt32());
    }
}
