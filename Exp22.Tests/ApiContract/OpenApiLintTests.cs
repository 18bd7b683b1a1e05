using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Exp22.Harness.Services;
using Xunit.Abstractions;

namespace Exp22.Tests.ApiContract;

/// <summary>
/// The OpenAPI document the API serves is one a generated client can trust: clean under Redocly CLI's
/// recommended rules (the pinned CLI in .ci/openapi-lint, installed there by <c>npm ci</c>), the admin
/// key declared as an apiKey scheme where it is checked, and every status an operation can answer listed.
/// </summary>
public sealed class OpenApiLintTests(SweepApi sweepApi, ITestOutputHelper output) : IClassFixture<SweepApi>
{
    private static readonly string LintFolder = RepositoryRoot.File(".ci/openapi-lint");

    [Fact]
    public async Task The_served_document_passes_redocly_recommended_rules_with_no_error_or_warning()
    {
        using var http = new HttpClient { BaseAddress = sweepApi.Process.BaseAddress };
        var document = await http.GetStringAsync("/openapi/v1.json");
        var file = Path.Combine(Path.GetTempPath(), $"exp22-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document);
        try
        {
            var (exitCode, report) = await LintAsync(file);
            output.WriteLine(report);
            using var result = JsonDocument.Parse(report);
            var totals = result.RootElement.GetProperty("totals");

            Assert.Equal(0, totals.GetProperty("errors").GetInt32());
            Assert.Equal(0, totals.GetProperty("warnings").GetInt32());
            Assert.Equal(0, exitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_admin_key_is_an_apikey_scheme_required_where_it_is_checked_and_every_answer_is_listed()
    {
        using var http = new HttpClient { BaseAddress = sweepApi.Process.BaseAddress };
        var root = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operations = new OpenApiOperations(root).All();
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("adminKey");

        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.Equal("/", Assert.Single(root.GetProperty("servers").EnumerateArray()).GetProperty("url").GetString());
        var cancel = Assert.Single(operations, o => o.OperationId == "CancelRun");
        Assert.Equal(new DeclaredApiKey("X-Api-Key", "header", Optional: false), Assert.Single(cancel.ApiKeys));
        foreach (var operation in operations)
        {
            Assert.True(operation.ApiKeys.Count == 0 || operation.Statuses.Contains("401"), $"{operation} takes a key but lists no 401");
            Assert.Superset(new HashSet<string> { "400", "429", "503" }, operation.Statuses.ToHashSet());
            foreach (var status in new[] { "429", "503" })
            {
                var response = root.GetProperty("paths").GetProperty(operation.PathTemplate).GetProperty(operation.Method.ToLowerInvariant())
                    .GetProperty("responses").GetProperty(status);
                Assert.True(response.GetProperty("headers").TryGetProperty("Retry-After", out _), $"{operation} {status} has no Retry-After");
            }

            if (operation.BodySchema is not null)
                Assert.Superset(new HashSet<string> { "413", "415" }, operation.Statuses.ToHashSet());
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Without_an_admin_key_set_the_document_says_the_key_may_be_left_out()
    {
        // No database is needed to serve the document: the API starts (and answers 503 for runs) without one.
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
        });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        await Engine.Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/openapi/v1.json")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "the API to serve its document");

        var cancel = Assert.Single(new OpenApiOperations(await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).All(),
            o => o.OperationId == "CancelRun");
        Assert.True(Assert.Single(cancel.ApiKeys).Optional);
    }

    private static async Task<(int ExitCode, string Report)> LintAsync(string file)
    {
        var redocly = Path.Combine(LintFolder, "node_modules", ".bin", "redocly");
        if (!File.Exists(redocly))
            Assert.Fail($"Redocly CLI is not installed: run `npm ci --prefix {LintFolder}` (bash .ci/run does).");
        var start = new ProcessStartInfo(redocly)
        {
            ArgumentList = { "lint", file, "--config", Path.Combine(LintFolder, "redocly.yaml"), "--format", "json" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = LintFolder,
        };
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var report = await stdout;
        return (process.ExitCode, report.Length > 0 ? report : await stderr);
    }
}
