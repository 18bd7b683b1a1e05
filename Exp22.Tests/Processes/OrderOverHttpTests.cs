using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;
using Npgsql;

namespace Exp22.Tests.Processes;

/// <summary>
/// The demo order driven over HTTP as docs/workflows.md shows it with curl: the API and an executor as
/// processes, the order started, its status event read, the approval sent twice with one key.
/// </summary>
public sealed class OrderOverHttpTests
{
    private const string AdminKey = "order-admin-key-0123456789";

    [Trait("Category", "Slow")]
    [Fact]
    public async Task An_order_started_over_http_waits_for_approve_takes_a_repeated_send_once_and_ships()
    {
        var database = await TestPostgres.CreateDatabaseAsync("order");
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = database,
            ["Api__AdminKey"] = AdminKey,
        });
        await using var executor = ServiceProcess.Start("Exp22.Executor", "exp22-executor-1", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = database,
        });
        await Task.WhenAll(api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)), executor.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        const string order = """{"orderId": "o-7", "approvalTimeoutSeconds": 600, "shipAfterSeconds": 1}""";
        using var started = await PostAsync(http, "/orders", order, idempotencyKey: "order-o-7");
        using var again = await PostAsync(http, "/orders", order, idempotencyKey: "order-o-7");
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var againId = (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();

        using var awaiting = await http.GetAsync($"/runs/{runId}/events/status?timeoutMs=20000");
        var awaitingStatus = (await awaiting.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("value").GetString();
        using var noSuchEvent = await http.GetAsync($"/runs/{runId}/events/never-set");
        using var unknownRunEvent = await http.GetAsync($"/runs/{Guid.CreateVersion7()}/events/status");

        using var withoutKey = await PostAsync(http, $"/runs/{runId}/messages/approve", """{"approvedBy": "nobody"}""", admin: false);
        using var unknownRun = await PostAsync(http, $"/runs/{Guid.CreateVersion7()}/messages/approve", """{"approvedBy": "ops"}""");
        using var first = await PostAsync(http, $"/runs/{runId}/messages/approve", """{"approvedBy": "ops"}""", idempotencyKey: "approve-o-7");
        using var repeat = await PostAsync(http, $"/runs/{runId}/messages/approve", """{"approvedBy": "repeat"}""", idempotencyKey: "approve-o-7");

        var run = await RunWaitsOverHttp.FinishedAsync(http, runId);
        using var shipped = await http.GetAsync($"/runs/{runId}/events/status");
        var steps = await http.GetFromJsonAsync<JsonElement>($"/runs/{runId}/steps");

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(runId, againId);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.OK, awaiting.StatusCode);
        Assert.Equal("awaiting-approval", awaitingStatus);
        Assert.Equal(HttpStatusCode.NotFound, noSuchEvent.StatusCode);
        Assert.Equal("application/problem+json", noSuchEvent.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknownRunEvent.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownRun.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.False((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
        Assert.Equal(HttpStatusCode.Accepted, repeat.StatusCode);
        Assert.True((await repeat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());

        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());
        var output = run.GetProperty("output");
        Assert.Equal("shipped", output.GetProperty("status").GetString());
        Assert.Equal("ops", output.GetProperty("approvedBy").GetString());
        Assert.Equal("TRACK-o-7", output.GetProperty("trackingNumber").GetString());
        Assert.Equal("shipped", (await shipped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("value").GetString());
        // The repeat was dropped, not merely left unreceived: the run holds the one approval it took.
        Assert.Equal(1L, await MessageCountAsync(database, runId));
        var receive = Assert.Single(steps.GetProperty("steps").EnumerateArray(), s => s.GetProperty("name").GetString() == "exp22.receive:approve");
        Assert.Equal("ops", receive.GetProperty("output").GetProperty("approvedBy").GetString());
    }

    private static async Task<long> MessageCountAsync(string database, Guid runId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM exp22.messages WHERE workflow_id = @id", connection);
        command.Parameters.Add(new NpgsqlParameter("id", runId));
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string json, bool admin = true, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (admin)
            request.Headers.Add("X-Api-Key", AdminKey);
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return http.SendAsync(request);
    }

    private static class RunWaitsOverHttp
    {
        public static async Task<JsonElement> FinishedAsync(HttpClient http, Guid runId)
        {
            JsonElement run = default;
            await Engine.Eventually.TrueAsync(async () =>
            {
                run = await http.GetFromJsonAsync<JsonElement>($"/runs/{runId}");
                return run.GetProperty("status").GetString() is not ("ENQUEUED" or "RUNNING");
            }, TimeSpan.FromSeconds(60), $"order {runId} to finish");
            return run;
        }
    }
}
