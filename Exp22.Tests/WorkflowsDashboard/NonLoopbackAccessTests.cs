using System.Globalization;
using System.Collections.Concurrent;
using System.Text.Json;
using Exp22.Harness.Os;
using Exp22.Harness.Services;

namespace Exp22.Tests.WorkflowsDashboard;

/// <summary>
/// The local rule seen from an address that is not loopback: the API, in Development and without any
/// policy, runs in a network namespace of the test's own and curl asks it from there, once over the
/// namespace's non-loopback address and once over its loopback.
/// </summary>
public sealed class NonLoopbackAccessTests
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task In_development_without_a_policy_requests_from_an_address_that_is_not_loopback_are_refused()
    {
        await using var space = await NetworkNamespace.CreateAsync();
        var port = FreePort.Pick();
        var outside = $"http://{NetworkNamespace.Address}:{port}/workflows";
        var inside = $"http://127.0.0.1:{port}/workflows";
        var lines = new ConcurrentQueue<string>();
        // No database is reachable from the namespace: the refusal must come before any query, and a
        // request the rule lets through answers 503 (database unavailable) instead.
        space.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = "Host=127.0.0.1;Port=1;Database=none;Timeout=2",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://{NetworkNamespace.Address}:{port};http://127.0.0.1:{port}",
        }, lines, "dotnet", BuiltProjects.DllOf("Exp22.Api"));
        await UntilAsync(() => lines.Any(l => l.Contains($"Now listening on: http://127.0.0.1:{port}")), lines);

        var read = await CurlAsync(space, $"{outside}/api/runs");
        var cancel = await CurlAsync(space, $"{outside}/api/runs/{Guid.CreateVersion7()}/cancel", "-X", "POST",
            "-H", "X-Workflows-Dashboard: 1", "-H", "Content-Type: application/json", "-d", "{}");
        var settings = await CurlAsync(space, $"{outside}/api/settings");
        var local = await CurlAsync(space, $"{inside}/api/runs");

        Assert.Equal(403, read.Status);
        Assert.Contains($"this request came from {NetworkNamespace.Address}, which is not a loopback address", read.Body);
        Assert.Equal(403, cancel.Status);
        Assert.Equal(403, JsonDocument.Parse(settings.Body).RootElement.GetProperty("act").GetProperty("status").GetInt32());
        Assert.Equal(503, local.Status);
    }

    private static async Task<(int Status, string Body)> CurlAsync(NetworkNamespace space, string url, params string[] options)
    {
        var output = await space.ExecAsync(["curl", "-s", "--max-time", "20", "-w", "\n%{http_code}", .. options, url]);
        var split = output.LastIndexOf('\n');
        return (int.Parse(output[(split + 1)..], CultureInfo.InvariantCulture), output[..split]);
    }

    private static async Task UntilAsync(Func<bool> condition, ConcurrentQueue<string> lines)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The API did not start in the namespace:\n{string.Join('\n', lines.TakeLast(30))}");
            await Task.Delay(100);
        }
    }
}
