using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exp22.ServiceDefaults.Shutdown;

// Applies Shutdown:RequestDrainTimeout. The web server's stop closes the listener and then waits for the
// requests in flight until the token it is given fires; the host gives it what is left of the whole
// HostOptions:ShutdownTimeout, so one slow client could hold the process that long. This decorator gives
// the requests RequestDrainTimeout from the moment the listener closes, then aborts those still running
// and lets the server finish its stop.
internal sealed partial class RequestDrainingServer(
    IServer server,
    RequestsInFlight requests,
    IOptions<ShutdownOptions> options,
    TimeProvider timeProvider,
    ILogger<RequestDrainingServer> logger) : IServer
{
    public IFeatureCollection Features => server.Features;

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull =>
        server.StartAsync(application, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var timeout = options.Value.RequestDrainTimeout;
        var started = timeProvider.GetTimestamp();
        LogStopAccepting(requests.Count, timeout.TotalSeconds);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        var aborted = 0;
        using (deadline.Token.Register(() =>
               {
                   var cut = requests.AbortAll();
                   aborted = cut.Count;
                   if (cut.Count > 0)
                       LogAborted(cut.Count, ShutdownOptions.RequestDrainTimeoutKey, timeout.TotalSeconds, string.Join(", ", cut.Take(10)));
                   stop.Cancel();
               }))
        {
            await server.StopAsync(stop.Token).ConfigureAwait(false);
        }

        var stoppedAfter = timeProvider.GetElapsedTime(started).TotalSeconds;
        LogStopped(stoppedAfter, aborted);
    }

    public void Dispose() => server.Dispose();

    [LoggerMessage(EventId = 111, Level = LogLevel.Information,
        Message = "Request drain: no longer accepting connections; {InFlight} request(s) in flight get up to {Seconds:0.#} s")]
    private partial void LogStopAccepting(int inFlight, double seconds);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning,
        Message = "Request drain: aborted {Count} request(s) still running after {Key} ({Seconds:0.#} s): {Requests}")]
    private partial void LogAborted(int count, string key, double seconds, string requests);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information,
        Message = "Request drain over after {Seconds:0.0} s; {Aborted} request(s) aborted")]
    private partial void LogStopped(double seconds, int aborted);
}
