using Microsoft.Extensions.Hosting;

namespace Exp22.ServiceDefaults.Shutdown;

// On SIGTERM, ApplicationStopping fires before the host stops anything, so readiness fails at once
// while the process still serves. A direct IHost.StopAsync raises ApplicationStopping only after every
// StoppingAsync, hence the second hook; a service that holds the stop in its own StoppingAsync should
// call DrainState.BeginDrain() itself first.
internal sealed class DrainOnStopping(IHostApplicationLifetime lifetime, DrainState drain) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(drain.BeginDrain);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        drain.BeginDrain();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
