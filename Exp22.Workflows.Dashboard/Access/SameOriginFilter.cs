using Microsoft.AspNetCore.Http;

namespace Exp22.Workflows.Dashboard.Access;

/// <summary>
/// Cross-site request forgery: a state change must be a POST from the dashboard's own page. The page sends
/// <see cref="HeaderName"/>, a custom header another site's page cannot send without a CORS preflight
/// (which nothing here answers); and a browser's <c>Origin</c> and <c>Sec-Fetch-Site</c>, when present, must
/// say same origin. Nothing changes state on GET.
/// </summary>
internal sealed class SameOriginFilter : IEndpointFilter
{
    public const string HeaderName = "X-Workflows-Dashboard";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var refusal = WhyRefused(request);
        if (refusal is null)
            return await next(context).ConfigureAwait(false);
        return Results.Problem(title: "Cross-site request refused", detail: refusal, statusCode: StatusCodes.Status403Forbidden);
    }

    private static string? WhyRefused(HttpRequest request)
    {
        if (string.IsNullOrEmpty(request.Headers[HeaderName]))
            return $"Actions must come from the dashboard's page, which sends the {HeaderName} header.";

        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
            return $"The browser says this request comes from another site (Sec-Fetch-Site: {fetchSite}).";

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !SameAuthority(origin, request))
            return $"The request's Origin ({origin}) is not this dashboard's ({request.Scheme}://{request.Host}).";
        return null;
    }

    private static bool SameAuthority(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
            return false;
        var port = request.Host.Port ?? (uri.Scheme == Uri.UriSchemeHttps ? 443 : 80);
        return uri.Host.Trim('[', ']').Equals(request.Host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase) && uri.Port == port;
    }
}
