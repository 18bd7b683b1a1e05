using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Exp22.Api.Security;

/// <summary>
/// Guards an endpoint with <c>Api:AdminKey</c> when it is set: 401 problem details unless the request's
/// <c>X-Api-Key</c> matches. Both keys are hashed first and the hashes compared in constant time, so
/// neither the key's content nor its length leaks through the response time.
/// </summary>
public sealed partial class AdminKeyFilter(IOptions<AdminOptions> options, ILogger<AdminKeyFilter> logger) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";

    private readonly byte[]? expectedHash = options.Value.AdminKey is { } key ? Hash(key) : null;

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (expectedHash is null)
            return next(context);

        var request = context.HttpContext.Request;
        var given = request.Headers[HeaderName];
        if (given.Count == 1 && CryptographicOperations.FixedTimeEquals(Hash(given[0] ?? ""), expectedHash))
            return next(context);

        LogRejected(request.Method, request.Path, given.Count == 0 ? "no key" : "a wrong key");
        context.HttpContext.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{HeaderName}\"";
        return ValueTask.FromResult<object?>(TypedResults.Problem(
            title: "API key required",
            detail: $"This endpoint needs the admin key in the {HeaderName} header.",
            statusCode: StatusCodes.Status401Unauthorized));
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Refused {Method} {Path}: {What} in the admin key header")]
    private partial void LogRejected(string method, string path, string what);
}
