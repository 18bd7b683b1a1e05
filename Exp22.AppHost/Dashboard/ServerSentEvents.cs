using Microsoft.AspNetCore.Http;

namespace Exp22.AppHost.Dashboard;

/// <summary>A <c>text/event-stream</c> response: named events, each flushed at once.</summary>
internal sealed class ServerSentEvents
{
    private readonly HttpResponse _response;

    private ServerSentEvents(HttpResponse response) => _response = response;

    public static async Task<ServerSentEvents> StartAsync(HttpContext http)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.Body.FlushAsync(http.RequestAborted);
        return new ServerSentEvents(http.Response);
    }

    /// <param name="data">One line of JSON (SSE data must not hold raw newlines).</param>
    public async Task SendAsync(string eventName, string data, CancellationToken ct)
    {
        await _response.WriteAsync($"event: {eventName}\ndata: {data}\n\n", ct);
        await _response.Body.FlushAsync(ct);
    }
}
