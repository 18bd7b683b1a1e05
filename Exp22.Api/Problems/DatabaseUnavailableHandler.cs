using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Exp22.Api.Problems;

/// <summary>
/// A request that finds the database unreachable answers 503 problem details with Retry-After, not 500:
/// the request was fine and the client should try again (with the same Idempotency-Key for a start).
/// </summary>
public sealed partial class DatabaseUnavailableHandler(IProblemDetailsService problemDetails, ILogger<DatabaseUnavailableHandler> logger)
    : IExceptionHandler
{
    private const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseFailures.IsUnavailable(exception))
            return false;

        LogUnavailable(exception, httpContext.Request.Method, httpContext.Request.Path, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable, retry",
                Detail = $"The workflow database did not answer. Retry in {RetryAfterSeconds} s; " +
                    "a start retried with the same Idempotency-Key never creates a second run.",
            },
        });
    }

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Database unavailable for {Method} {Path}: {Reason}")]
    private partial void LogUnavailable(Exception exception, string method, string path, string reason);
}
