using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Exp22.AppHost.Dashboard;

/// <summary>The page's files, embedded in the assembly under <c>dashboard/</c> (see the csproj): served at the root.</summary>
internal static class DashboardAssets
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static void Map(WebApplication app)
    {
        var assembly = typeof(DashboardAssets).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("dashboard/", StringComparison.Ordinal)))
        {
            var file = resource["dashboard/".Length..];
            var contentType = ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var content = memory.ToArray();
            var route = file == "index.html" ? "/" : "/" + file;
            app.MapGet(route, () => Results.Bytes(content, contentType)).ExcludeFromDescription();
        }
    }
}
