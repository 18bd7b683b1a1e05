using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Exp22.Api.Problems;

/// <summary>
/// A request the server itself rejects while it is read (too large, cut short) carries its own status
/// code in <see cref="BadHttpRequestException"/>; answer that, as problem details, instead of a 500.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
            return false;

        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = badRequest.StatusCode, Detail = badRequest.Message },
        });
    }
}
