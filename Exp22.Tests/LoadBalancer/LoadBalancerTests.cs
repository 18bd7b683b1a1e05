using System.Diagnostics;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Exp22.Tests.LoadBalancer;

/// <summary>
/// The seed's open problem, reproduced: HAProxy (deploy/loadbalancer/haproxy.cfg: health checks every 1 s,
/// down after 2 failures, no retries) in front of two API processes on one PostgreSQL, keep-alive clients
/// under steady load on GET /runs?limit=1, and SIGTERM to one API mid-load. Run with
/// <c>deploy/loadbalancer/run.sh</c> to see the counts.
/// </summary>
public sealed class LoadBalancerTests(ITestOutputHelper output)
{
    private const string LoadPath = "/runs?limit=1";
    private const int Clients = 8;
    private static readonly TimeSpan LoadBeforeSignal = TimeSpan.FromSeconds(3);

    // After SIGTERM the load goes on until the API has exited and then long enough for the balancer to
    // have noticed in any case (2 failed checks 1 s apart, plus one interval of slack).
    private static readonly TimeSpan LoadAfterExit = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MinimumLoadAfterSignal = TimeSpan.FromSeconds(6);

    private sealed record Outcome(string Label, long Sent, IReadOnlyList<(TimeSpan At, string What)> Failures, TimeSpan SignalAt, TimeSpan ExitedAfter, int ExitCode)
    {
        public string Line => $"{Label}: {Sent} requests sent, {Failures.Count} failed" +
            (Failures.Count == 0 ? "" : $" ({SteadyLoad.Summary(Failures)}, " +
                $"from {(Failures.Min(f => f.At) - SignalAt).TotalSeconds:+0.0;-0.0} s to {(Failures.Max(f => f.At) - SignalAt).TotalSeconds:+0.0;-0.0} s after SIGTERM)") +
            $"; the API exited {ExitedAfter.TotalSeconds:0.0} s after SIGTERM with code {ExitCode}";
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Sigterm_behind_haproxy_loses_no_request_with_the_drain_delay_and_loses_requests_without_it()
    {
        var database = await TestPostgres.CreateDatabaseAsync("loadbalancer");

        var withDrain = await RunAsync(database, drainDelay: "00:00:05", "drain on (Shutdown:DrainDelay=00:00:05)");
        var withoutDrain = await RunAsync(database, drainDelay: "00:00:00", "drain off (Shutdown:DrainDelay=00:00:00)");

        output.WriteLine(withDrain.Line);
        output.WriteLine(withoutDrain.Line);
        Assert.Equal(0, withDrain.ExitCode);
        Assert.Empty(withDrain.Failures);
        Assert.NotEmpty(withoutDrain.Failures);
    }

    private async Task<Outcome> RunAsync(string database, string drainDelay, string label)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = database,
            ["Shutdown__DrainDelay"] = drainDelay,
        };
        await using var api1 = ServiceProcess.Start("Exp22.Api", "api1", environment);
        await using var api2 = ServiceProcess.Start("Exp22.Api", "api2", environment);
        await Task.WhenAll(api1.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)), api2.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));
        await using var haproxy = HaproxyProcess.Start(api1.BaseAddress, api2.BaseAddress);
        await haproxy.WaitUntilServingAsync(TimeSpan.FromSeconds(30));

        var load = new SteadyLoad(haproxy.BaseAddress, LoadPath, Clients);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(stop.Token);

        await Task.Delay(LoadBeforeSignal);
        var signalAt = load.Elapsed;
        var sinceSignal = Stopwatch.StartNew();
        api1.Terminate();
        var exitCode = await api1.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var exitedAfter = sinceSignal.Elapsed;
        var remaining = MaxOf(LoadAfterExit, MinimumLoadAfterSignal - sinceSignal.Elapsed);
        await Task.Delay(remaining);
        await stop.CancelAsync();
        await running;

        var outcome = new Outcome(label, load.Sent, load.Failures, signalAt, exitedAfter, exitCode);
        output.WriteLine($"{label}, api1's drain log: {string.Join(" | ", api1.Lines.Where(l => l.Contains("Drain")).Select(l => l.Trim()))}");
        return outcome;
    }

    private static TimeSpan MaxOf(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
