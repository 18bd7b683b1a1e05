using Exp22.Api.Database;

namespace Exp22.Api.Runs;

/// <summary>The runs feature (docs/design.md#http-endpoints): its services and its endpoints.</summary>
public static class RunsEndpoints
{
    public const string Tag = "Runs";

    public static IServiceCollection AddRuns(this IServiceCollection services) =>
        services.AddSingleton<RunStarter>();

    public static IEndpointRouteBuilder MapRuns(this IEndpointRouteBuilder app)
    {
        // Every endpoint touches the database, so any of them may answer 503 (see DatabaseUnavailableHandler),
        // and every one is behind the overload limiter (429).
        var api = app.MapGroup("")
            .AddEndpointFilter<SchemaReadyFilter>()
            .WithTags(Tag)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        StartRunEndpoints.Map(api);   // GET /, POST /runs
        ListRunsEndpoint.Map(api);    // GET /runs
        GetRunEndpoint.Map(api);      // GET /runs/{id}
        CancelRunEndpoint.Map(api);   // POST /runs/{id}/cancel
        ManageRunEndpoints.Map(api);  // POST /runs/{id}/resume, POST /runs/{id}/fork, GET /runs/{id}/steps
        StartOrderEndpoint.Map(api);  // POST /orders
        RunMessageEndpoints.Map(api); // POST /runs/{id}/messages/{topic}, GET /runs/{id}/events/{key}
        return app;
    }
}
