using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Exp22.Tests.ApiContract;

/// <summary>
/// Every operation of the OpenAPI document the API serves, fed bad input in its path, query, headers,
/// admin key and body (derived from the document, so endpoints added later are swept too): each request
/// must be answered with a 4xx problem details whose status is the response's, never a 5xx, never a
/// dropped connection.
/// </summary>
public sealed class BadInputSweepTests(SweepApi sweepApi, ITestOutputHelper output) : IClassFixture<SweepApi>
{
    private const int MaxBodyBytes = 16 * 1024;

    [Fact]
    public async Task Every_documented_operation_answers_bad_input_with_a_4xx_problem()
    {
        using var http = new HttpClient { BaseAddress = sweepApi.Process.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var document = new OpenApiOperations(await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json"));
        var knownRun = await KnownRunAsync(http);
        var operations = document.All();
        var inputs = new BadInputs(document, knownRun, SweepApi.AdminKey, MaxBodyBytes);

        var failures = new List<string>();
        var statuses = new SortedDictionary<string, int>();
        var count = 0;
        foreach (var operation in operations)
        {
            var methods = operations.Where(o => o.PathTemplate == operation.PathTemplate).Select(o => o.Method);
            foreach (var input in inputs.For(operation, methods))
            {
                count++;
                var answer = await SendAsync(http, input);
                statuses[answer.Status] = statuses.GetValueOrDefault(answer.Status) + 1;
                if (answer.Problem is not null)
                    failures.Add($"{input} → {answer.Status}: {answer.Problem}");
            }
        }

        output.WriteLine($"{count} bad requests to {operations.Count} operations ({string.Join(", ", operations)}); answers: " +
                         string.Join(", ", statuses.Select(s => $"{s.Value} × {s.Key}")));
        foreach (var failure in failures)
            output.WriteLine("  FAILED " + failure);

        Assert.True(operations.Count >= 8, $"the document lists {operations.Count} operations");
        Assert.True(count >= 100, $"only {count} bad requests were derived");
        Assert.Empty(failures);
    }

    /// <summary>
    /// What Kestrel refuses before any application code runs (a malformed request line, non-ASCII header
    /// bytes, oversized headers or target, no Host): a 4xx status line, never a reset. Kestrel writes
    /// these answers itself, without a body, so only their status is checked.
    /// </summary>
    [Fact]
    public async Task Requests_the_server_refuses_before_the_application_get_a_4xx_not_a_dropped_connection()
    {
        var big = new string('b', 40_000);
        (string What, string Request)[] cases =
        [
            ("malformed request line", "GARBAGE\r\n\r\n"),
            ("non-ASCII header value", "GET /runs HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k\u00e9y\r\n\r\n"),
            ("header block over 32 KB", $"GET /runs HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n"),
            ("request target over 8 KB", $"GET /runs?limit={big} HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("no Host header", "GET /runs HTTP/1.1\r\n\r\n"),
            ("a NUL in the path", "GET /runs/%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("both Content-Length and chunked", "POST /runs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}"),
        ];
        var answers = new List<(string What, string? StatusLine)>();
        foreach (var (what, request) in cases)
            answers.Add((what, await SendRawAsync(sweepApi.Process.BaseAddress, Encoding.Latin1.GetBytes(request))));

        foreach (var (what, statusLine) in answers)
            output.WriteLine($"{what}: {statusLine ?? "no answer"}");
        Assert.All(answers, a => Assert.InRange(a.StatusLine is { } line ? int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) : 0, 400, 499));
    }

    private static async Task<string?> SendRawAsync(Uri server, byte[] request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        try
        {
            return await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<Guid> KnownRunAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/runs", new { subWorkflows = 1, stepsPerWorkflow = 1 });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
    }

    /// <returns>The status, and what is wrong with the answer (null when it is a proper 4xx problem).</returns>
    private static async Task<(string Status, string? Problem)> SendAsync(HttpClient http, BadInput input)
    {
        using var request = input.Create();
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request);
        }
        catch (HttpRequestException e)
        {
            return ("no answer", $"the connection dropped: {e.Message}");
        }

        using (response)
        {
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if ((int)response.StatusCode is < 400 or > 499)
                return (status, "not a 4xx: " + Truncated(await response.Content.ReadAsStringAsync()));
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                return (status, $"content type {response.Content.Headers.ContentType?.MediaType ?? "none"}, not application/problem+json");
            try
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                return problem.TryGetProperty("status", out var s) && s.GetInt32() == (int)response.StatusCode
                    ? (status, null)
                    : (status, "the problem's status does not match: " + Truncated(problem.GetRawText()));
            }
            catch (JsonException e)
            {
                return (status, "the body is not JSON: " + e.Message);
            }
        }
    }

    private static string Truncated(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
