using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Exp22.Harness.Os;
using Exp22.Harness.Postgres;
using Exp22.Harness.Services;
using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.ApiAvailability;

/// <summary>
/// The API without its database: it starts anyway, answers 503 with Retry-After where it needs the
/// database, stays up, and serves again once PostgreSQL is back, with no restart. A real server on a
/// kept data directory and a fixed port, stopped (fast shutdown) and started again.
/// </summary>
public sealed class ApiDatabaseDownTests : IDisposable
{
    private const string RunBody = """{"subWorkflows":1,"stepsPerWorkflow":1}""";
    private readonly TestFolder _folder = new();
    private readonly int _port = FreePort.Pick();

    private PostgresServerOptions ServerOptions() => new()
    {
        DataDirectory = Path.Combine(_folder.Path, "cluster"),
        Port = _port,
        Settings = new Dictionary<string, string>(PostgresFixture.FastUnsafeSettings),
    };

    [Trait("Category", "Slow")]
    [Fact]
    public async Task The_api_starts_without_its_database_answers_503_while_it_is_down_and_recovers_without_a_restart()
    {
        // A cluster with the database in it, then down before the API starts.
        string connectionString;
        await using (var first = await PostgresServer.StartAsync(ServerOptions()))
        {
            await first.CreateDatabaseAsync("exp22db");
            connectionString = first.GetConnectionString("exp22db");
        }

        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = connectionString,
        });
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        await Eventually.TrueAsync(async () => await StatusAsync(http, "/health/live") == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "the API to answer /health/live with the database down");

        await AssertDownAsync(http, api);

        await using (var second = await PostgresServer.StartAsync(ServerOptions()))
        {
            var firstRun = await StartRunWhenServingAsync(http);
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, "/health/ready"));

            await second.StopAsync();
            await Eventually.TrueAsync(async () => await StatusAsync(http, "/health/ready") == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(30), "readiness to fail once the database stopped");
            await AssertDownAsync(http, api);

            await using var third = await PostgresServer.StartAsync(ServerOptions());
            var secondRun = await StartRunWhenServingAsync(http);
            var runs = await http.GetFromJsonAsync<JsonElement>("/runs?limit=10");
            var ids = runs.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetGuid()).ToList();
            Assert.Contains(firstRun, ids);
            Assert.Contains(secondRun, ids);
        }

        Assert.False(api.HasExited, $"the API exited:\n{api.Tail()}");
        // Unhealthy health checks are logged as errors by the framework; any other error would be a crash or a 500.
        Assert.DoesNotContain(api.Lines, line => line.Contains(" fail: ") && !line.Contains("DefaultHealthCheckService"));
    }

    private static async Task AssertDownAsync(HttpClient http, ServiceProcess api)
    {
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, "/health/live"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(http, "/health/ready"));
        foreach (var request in new Func<HttpRequestMessage>[]
        {
            () => new HttpRequestMessage(HttpMethod.Get, "/?n_sub_workflows=2"),
            () => new HttpRequestMessage(HttpMethod.Post, "/runs") { Content = new StringContent(RunBody, Encoding.UTF8, "application/json") },
            () => new HttpRequestMessage(HttpMethod.Get, "/runs?limit=1"),
        })
        {
            using var response = await http.SendAsync(request());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(503, problem.GetProperty("status").GetInt32());
        }

        Assert.False(api.HasExited, $"the API exited while the database was down:\n{api.Tail()}");
    }

    private static async Task<Guid> StartRunWhenServingAsync(HttpClient http)
    {
        Guid runId = default;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await http.PostAsync("/runs", new StringContent(RunBody, Encoding.UTF8, "application/json"));
            if (response.StatusCode != HttpStatusCode.Accepted)
                return false;
            runId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
            return true;
        }, TimeSpan.FromSeconds(30), "POST /runs to be accepted once the database is back");
        return runId;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return default;
        }
    }

    public void Dispose() => _folder.Dispose();
}
