using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Exp22.Harness.Services;
using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Exp22.Tests.LoadBalancer;

/// <summary>The API's drain on SIGTERM (docs/design.md#the-timing-budget), with a real process and a real signal.</summary>
public sealed class ApiDrainTests(ITestOutputHelper output)
{
    private static async Task<ServiceProcess> StartApiAsync(string drainDelay, string shutdownTimeout = "00:00:30")
    {
        var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = await TestPostgres.CreateDatabaseAsync("drain"),
            ["Shutdown__DrainDelay"] = drainDelay,
            ["HostOptions__ShutdownTimeout"] = shutdownTimeout,
        });
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return api;
    }

    // A fresh connection per request: what a load balancer's health check or a new client does.
    private static async Task<HttpResponseMessage> GetOnNewConnectionAsync(Uri baseAddress, string path)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(10),
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.ConnectionClose = true;
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task During_the_drain_delay_readiness_fails_but_new_connections_are_served_with_connection_close()
    {
        await using var api = await StartApiAsync(drainDelay: "00:00:04");
        using var keepAlive = new HttpClient { BaseAddress = api.BaseAddress };
        var before = await keepAlive.GetAsync("/runs?limit=1");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.False(before.Headers.ConnectionClose ?? false);

        var signalled = Stopwatch.StartNew();
        api.Terminate();
        await api.WaitForLineAsync(line => line.Contains("Drain delay: still accepting"), TimeSpan.FromSeconds(10));

        var ready = await GetOnNewConnectionAsync(api.BaseAddress, "/health/ready");
        var live = await GetOnNewConnectionAsync(api.BaseAddress, "/health/live");
        var served = await GetOnNewConnectionAsync(api.BaseAddress, "/runs?limit=1");
        var onKeptConnection = await keepAlive.GetAsync("/runs?limit=1");
        var windowUsed = signalled.Elapsed;

        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"probes answered {windowUsed.TotalSeconds:0.0} s after SIGTERM; exited {signalled.Elapsed.TotalSeconds:0.0} s after it");

        Assert.True(windowUsed < TimeSpan.FromSeconds(4), $"the probes took {windowUsed} (longer than the delay), so they prove nothing");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.True(served.Headers.ConnectionClose, "a response during the drain must carry Connection: close");
        Assert.Equal(HttpStatusCode.OK, onKeptConnection.StatusCode);
        Assert.True(onKeptConnection.Headers.ConnectionClose, "a kept-alive connection must be told to close too");
        Assert.Equal(0, exitCode);
        Assert.True(signalled.Elapsed >= TimeSpan.FromSeconds(4), $"exited after {signalled.Elapsed}, before the 4 s delay was over");
        Assert.Contains(api.Lines, line => line.Contains("Drain delay over"));
    }

    [Fact]
    public async Task After_the_delay_new_connections_are_refused_but_a_request_in_flight_still_completes()
    {
        await using var api = await StartApiAsync(drainDelay: "00:00:02");
        var body = Encoding.UTF8.GetBytes("""{"subWorkflows":1,"stepsPerWorkflow":1}""");
        var halfSent = new TaskCompletionSource();
        var finish = new TaskCompletionSource();
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var content = new SlowBody(body, halfSent, finish.Task);

        // The request's headers and half its body reach the server before SIGTERM; the rest comes after
        // the server has stopped accepting new connections.
        var inFlight = http.PostAsync("/runs", content);
        await halfSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        api.Terminate();
        await api.WaitForLineAsync(line => line.Contains("Drain delay over"), TimeSpan.FromSeconds(20));
        // The line is logged as Kestrel begins to stop; its listening socket closes a moment later.
        await Eventually.TrueAsync(() => ConnectionRefusedAsync(api.BaseAddress), TimeSpan.FromSeconds(3),
            "a new connection after the drain delay to be refused");
        finish.SetResult();
        var response = await inFlight;
        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_request_that_outlasts_the_request_drain_timeout_is_aborted_and_counted_while_a_shorter_one_finishes()
    {
        var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = await TestPostgres.CreateDatabaseAsync("request_drain"),
            ["Shutdown__DrainDelay"] = "00:00:00",
            ["Shutdown__RequestDrainTimeout"] = "00:00:03",
            ["HostOptions__ShutdownTimeout"] = "00:00:20",
        });
        await using var _ = api;
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        var body = Encoding.UTF8.GetBytes("""{"subWorkflows":1,"stepsPerWorkflow":1}""");
        var (shortHalf, longHalf) = (new TaskCompletionSource(), new TaskCompletionSource());
        var (shortFinish, longFinish) = (new TaskCompletionSource(), new TaskCompletionSource());
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var shorter = http.PostAsync("/runs", new SlowBody(body, shortHalf, shortFinish.Task));
        var longer = http.PostAsync("/runs", new SlowBody(body, longHalf, longFinish.Task));
        await Task.WhenAll(shortHalf.Task, longHalf.Task).WaitAsync(TimeSpan.FromSeconds(30));

        var signalled = Stopwatch.StartNew();
        api.Terminate();
        await api.WaitForLineAsync(line => line.Contains("Request drain: no longer accepting"), TimeSpan.FromSeconds(30));
        var stoppedAccepting = signalled.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(1));
        shortFinish.SetResult();
        var finished = await shorter;
        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var exitedAfter = signalled.Elapsed;
        // The client learns of the cut when it sends the rest of its body to the closed connection.
        longFinish.SetResult();
        var cut = await Record.ExceptionAsync(() => longer.WaitAsync(TimeSpan.FromSeconds(30)));
        output.WriteLine($"stopped accepting {stoppedAccepting.TotalSeconds:0.0} s after SIGTERM; exited {exitedAfter.TotalSeconds:0.0} s after it");

        Assert.Equal(HttpStatusCode.Accepted, finished.StatusCode);
        Assert.IsType<HttpRequestException>(cut);
        Assert.Equal(0, exitCode);
        Assert.Contains(api.Lines, line => line.Contains("Request drain: aborted 1 request(s) still running after Shutdown:RequestDrainTimeout (3 s): POST /runs"));
        // The count is the server's view at that moment: a body half-sent by the client may not have reached
        // the pipeline yet on a loaded machine, so only the aborted count above is exact.
        Assert.Contains(api.Lines, line => line.Contains("request(s) in flight get up to 3 s"));
        // Cut 3 s after the listener closed, not held until HostOptions:ShutdownTimeout (20 s); the rest of
        // the range is for a loaded machine.
        Assert.InRange(exitedAfter - stoppedAccepting, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(15));
    }

    [Theory]
    [InlineData("00:00:10", "00:00:05", "00:00:15", "Shutdown:DrainDelay")]
    [InlineData("00:00:01", "00:00:20", "00:00:15", "Shutdown:RequestDrainTimeout")]
    public async Task A_shutdown_timeout_that_cannot_hold_the_drain_stops_the_api_at_start_naming_the_keys(
        string drainDelay, string requestDrain, string shutdownTimeout, string key)
    {
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
            ["Shutdown__DrainDelay"] = drainDelay,
            ["Shutdown__RequestDrainTimeout"] = requestDrain,
            ["HostOptions__ShutdownTimeout"] = shutdownTimeout,
        });

        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        var message = Assert.Single(api.Lines, line => line.Contains("cannot start"));
        Assert.Contains("HostOptions:ShutdownTimeout", message);
        Assert.Contains(key, message);
    }

    [Fact]
    public async Task The_executor_refuses_a_shutdown_timeout_that_cannot_hold_its_drain_and_drain_delay()
    {
        await using var executor = ServiceProcess.Start("Exp22.Executor", "executor", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
            ["Workflows__WorkflowCompletionTimeout"] = "00:00:10",
            ["Shutdown__DrainDelay"] = "00:00:05",
            ["HostOptions__ShutdownTimeout"] = "00:00:30",
        });

        var exitCode = await executor.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, exitCode);
        // 5 + 5 (request drain) + 10 + 5 (handover) + 5 (leave) + 2 (margin) = 32 s: the host's sum,
        // with the executor's own lines, which AddExecutor() declares.
        var message = Assert.Single(executor.Lines, line => line.Contains("must exceed Shutdown:DrainDelay"));
        foreach (var key in new[] { "HostOptions:ShutdownTimeout (00:00:30)", "Shutdown:RequestDrainTimeout", "Workflows:WorkflowCompletionTimeout",
                     "Workflows:HandoverTimeout", "Workflows:LeaveTimeout", "= 00:00:32" })
            Assert.Contains(key, message);
    }

    private static async Task<bool> ConnectionRefusedAsync(Uri address)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address.Host, address.Port).WaitAsync(TimeSpan.FromSeconds(5));
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
    }

    /// <summary>A JSON body sent in two halves, the second only when the test says so.</summary>
    private sealed class SlowBody : HttpContent
    {
        private readonly byte[] body;
        private readonly TaskCompletionSource halfSent;
        private readonly Task finish;

        public SlowBody(byte[] body, TaskCompletionSource halfSent, Task finish)
        {
            this.body = body;
            this.halfSent = halfSent;
            this.finish = finish;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        // The handler cancels the token when the server cuts the connection mid-body; a body that ignored
        // it would hold the request (and the test) forever.
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var half = body.Length / 2;
            await stream.WriteAsync(body.AsMemory(0, half), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            halfSent.SetResult();
            await finish.WaitAsync(cancellationToken);
            await stream.WriteAsync(body.AsMemory(half), cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
