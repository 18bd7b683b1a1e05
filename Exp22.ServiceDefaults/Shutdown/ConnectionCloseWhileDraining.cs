using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Exp22.ServiceDefaults.Shutdown;

// While draining, every HTTP/1.1 response says Connection: close and Kestrel closes the connection after
// it, so a keep-alive client (or a load balancer's pooled backend connection) opens its next request
// elsewhere instead of reusing a connection that is about to be cut. Set in OnStarting, because an
// exception handler clears the headers set before it ran. First in the pipeline through a startup filter.
internal sealed class ConnectionCloseWhileDraining(DrainState drain) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Response.OnStarting(() =>
            {
                if (drain.IsDraining)
                    context.Response.Headers[HeaderNames.Connection] = "close";
                return Task.CompletedTask;
            });
            return nextMiddleware(context);
        });
        next(app);
    };
}
