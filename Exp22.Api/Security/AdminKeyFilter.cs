namespace Exp22.Api.Security;

/// <summary>
/// Guards an endpoint with <c>Api:AdminKey</c> when it is set: 401 problem details unless the request's
/// <c>X-Api-Key</c> matches (see <see cref="AdminKey"/>).
/// </summary>
public sealed partial class AdminKeyFilter(AdminKey adminKey, ILogger<AdminKeyFilter> logger) : IEndpointFilter
{
    public const string HeaderName = AdminKey.HeaderName;

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!adminKey.IsConfigured)
            return next(context);

        var request = context.HttpContext.Request;
        var given = request.Headers[HeaderName];
        if (adminKey.Matches(given))
            return next(context);

        LogRejected(request.Method, request.Path, given.Count == 0 ? "no key" : "a wrong key");
        context.HttpContext.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{HeaderName}\"";
        return ValueTask.FromResult<object?>(TypedResults.Problem(
            title: "API key required",
            detail: $"This endpoint needs the admin key in the {HeaderName} header.",
            statusCode: StatusCodes.Status401Unauthorized));
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Refused {Method} {Path}: {What} in the admin key header")]
    private partial void LogRejected(string method, string path, string what);
}
