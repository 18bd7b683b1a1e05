using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Exp22.AppHost.Telemetry.Api;

/// <summary>
/// The telemetry pages, embedded in the assembly under <c>telemetry/</c> (see the csproj) and served at
/// <c>/telemetry/</c>: a page of their own, and a script the dashboard's tabs can mount.
/// </summary>
public static class TelemetryUi
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static IEndpointRouteBuilder MapTelemetryUi(this IEndpointRouteBuilder endpoints)
    {
        var assembly = typeof(TelemetryUi).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("telemetry/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var content = memory.ToArray();
            var contentType = ContentTypes.GetValueOrDefault(Path.GetExtension(resource), "application/octet-stream");
            // Routing ignores a trailing slash: "/telemetry/" serves "/telemetry" too.
            var route = resource == "telemetry/index.html" ? "/telemetry/" : "/" + resource;
            endpoints.MapGet(route, () => Results.Bytes(content, contentType)).ExcludeFromDescription();
        }
        return endpoints;
    }
}
