using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exp22.ServiceDefaults.Shutdown;

// Holds the host's stop in StoppingAsync, which every lifecycle service passes through before any
// StopAsync runs, so Kestrel (stopped in the web host's StopAsync) keeps its listener open for the whole
// delay while readiness already fails. Kubernetes' endpoints and a load balancer's health checks both
// need that window: a server that stops accepting on SIGTERM refuses the requests still routed to it.
internal sealed partial class DrainDelay(
    DrainState drain,
    IOptions<ShutdownOptions> options,
    TimeProvider timeProvider,
    ILogger<DrainDelay> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        drain.BeginDrain();
        var delay = options.Value.DrainDelay;
        if (delay <= TimeSpan.Zero)
            return;

        LogDelayStarted(delay.TotalSeconds);
        var started = timeProvider.GetTimestamp();
        try
        {
            await Task.Delay(delay, timeProvider, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ran out first (or a second signal): stop now rather than fail the stop.
        }

        var waited = timeProvider.GetElapsedTime(started).TotalSeconds;
        LogDelayOver(waited);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "Drain delay: still accepting and serving for {Seconds:0.#} s so load balancers stop routing here; responses carry Connection: close")]
    private partial void LogDelayStarted(double seconds);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information,
        Message = "Drain delay over after {Seconds:0.0} s")]
    private partial void LogDelayOver(double seconds);
}
