using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;

namespace Exp22.ServiceDefaults.Shutdown;

// A web server registered after AddServiceDefaults() (a second UseKestrel, say) replaces the decorator
// that applies Shutdown:RequestDrainTimeout: refuse to start rather than promise a drain nothing enforces.
internal sealed class RequestDrainGuard(IServer server) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next)
    {
        if (server is not RequestDrainingServer)
        {
            throw new InvalidOperationException(
                $"{ShutdownOptions.RequestDrainTimeoutKey} cannot be applied: the web server ({server.GetType().Name}) was registered " +
                "after AddServiceDefaults(). Configure the server (UseKestrel, ConfigureKestrel) before calling AddServiceDefaults().");
        }

        return next;
    }
}
