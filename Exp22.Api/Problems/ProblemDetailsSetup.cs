namespace Exp22.Api.Problems;

/// <summary>Every error answer is RFC 7807 problem details, including the ones nobody planned for.</summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Routing answers 415 (with no detail of its own) when a body is sent as anything but JSON.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType)
                context.ProblemDetails.Detail ??= "The body must be JSON: send it with Content-Type: application/json.";
        });
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        services.AddExceptionHandler<BadRequestHandler>();
        return services;
    }

    public static WebApplication UseApiProblemDetails(this WebApplication app)
    {
        // Unhandled exceptions: the handlers above, else a 500 problem (logged, no stack trace to the client).
        app.UseExceptionHandler();
        // Empty error answers (unknown route 404, 405) get a problem body too.
        app.UseStatusCodePages();
        return app;
    }
}
