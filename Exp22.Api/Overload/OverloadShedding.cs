using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Exp22.Api.Overload;

/// <summary>
/// ASP.NET Core's concurrency limiter in front of every endpoint but health (which opts out with
/// <c>DisableRateLimiting</c>): past <see cref="OverloadOptions.MaxConcurrentRequests"/> in flight and
/// <see cref="OverloadOptions.QueueLimit"/> waiting, a request is answered at once with 429 problem
/// details and <c>Retry-After</c>, so the API stays responsive (its probes first) however hard it is pushed.
/// </summary>
public static partial class OverloadShedding
{
    public static WebApplicationBuilder AddOverloadShedding(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OverloadOptions>()
            .BindConfiguration(OverloadOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<OverloadOptions>>((limiter, overload) =>
        {
            var limits = overload.Value;
            // One partition: the limit protects this process (its threads, its pool, the database behind it),
            // whoever the callers are; behind a load balancer every caller has the balancer's address anyway.
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ =>
                RateLimitPartition.GetConcurrencyLimiter("api", _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = limits.MaxConcurrentRequests,
                    QueueLimit = limits.QueueLimit,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                }));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, cancellationToken) => RejectAsync(context.HttpContext, limits, cancellationToken);
        });
        return builder;
    }

    private static async ValueTask RejectAsync(HttpContext http, OverloadOptions limits, CancellationToken cancellationToken)
    {
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OverloadShedding));
        LogShed(logger, http.Request.Method, http.Request.Path);
        http.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests, retry",
                Detail = $"The API is serving {limits.MaxConcurrentRequests} requests with {limits.QueueLimit} more waiting. " +
                    $"Retry in {limits.RetryAfterSeconds} s; a start retried with the same Idempotency-Key never creates a second run.",
            },
        });
    }

    // Debug: under overload this line would be written thousands of times a second.
    [LoggerMessage(EventId = 30, Level = LogLevel.Debug, Message = "Shed {Method} {Path} with 429: the API is at its concurrency limit")]
    private static partial void LogShed(ILogger logger, string method, PathString path);
}
