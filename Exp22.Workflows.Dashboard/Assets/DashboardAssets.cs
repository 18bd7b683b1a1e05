using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Exp22.Workflows.Dashboard.Assets;

/// <summary>
/// The page's files, embedded in the assembly under <c>workflows-dashboard/</c>, served from memory with an
/// ETag and a content security policy that allows this origin only: no inline script, no framing.
/// </summary>
internal static class DashboardAssets
{
    private const string ResourcePrefix = "workflows-dashboard/";
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private static readonly Lazy<IReadOnlyList<Asset>> All = new(Load);

    /// <summary>The page at <c>{group}/</c> and its files beside it; the page links them relatively, so any prefix works.</summary>
    public static void Map(IEndpointRouteBuilder group)
    {
        foreach (var asset in All.Value)
        {
            var route = asset.File == "index.html" ? "/" : "/" + asset.File;
            group.MapGet(route, (HttpContext http) => Serve(http, asset)).ExcludeFromDescription();
        }
    }

    private static IResult Serve(HttpContext http, Asset asset)
    {
        // The page's links are relative: from /workflows they would leave the dashboard's folder.
        if (asset.File == "index.html" && !(http.Request.Path.Value ?? "").EndsWith('/'))
            return Results.Redirect($"{http.Request.PathBase}{http.Request.Path}/{http.Request.QueryString}");

        var headers = http.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static List<Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new List<Asset>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var content = memory.ToArray();
            var file = name[ResourcePrefix.Length..];
            assets.Add(new Asset(
                file, content, ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream"),
                $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\""));
        }

        return assets;
    }

    private sealed record Asset(string File, byte[] Content, string ContentType, string ETag);
}
