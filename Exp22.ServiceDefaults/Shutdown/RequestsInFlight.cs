using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Exp22.ServiceDefaults.Shutdown;

// The requests the server is running, so that the request drain can cut the ones that outlast it and
// say which. First in the pipeline through a startup filter, so every request is counted.
internal sealed class RequestsInFlight : IStartupFilter
{
    private readonly ConcurrentDictionary<HttpContext, byte> _requests = new();

    public int Count => _requests.Count;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            _requests.TryAdd(context, 0);
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                _requests.TryRemove(context, out _);
            }
        });
        next(app);
    };

    /// <summary>Aborts every request still running; returns them as "METHOD path".</summary>
    public IReadOnlyList<string> AbortAll()
    {
        var aborted = new List<string>();
        foreach (var context in _requests.Keys)
        {
            aborted.Add($"{context.Request.Method} {context.Request.Path}");
            context.Abort();
        }

        return aborted;
    }
}
