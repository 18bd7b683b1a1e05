using Exp22.Api.Database;
using Exp22.Api.Security;
using Exp22.Api.Validation;
using Exp22.Workflows.Schedules;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Schedules;

/// <summary>
/// <c>GET /schedules</c>, <c>POST /schedules/{name}/pause</c> and <c>/resume</c>: the engine's cron schedules
/// (docs/queues-and-schedules.md). Pausing and resuming take the admin key, as a cancel does.
/// </summary>
public static class SchedulesEndpoints
{
    public const string Tag = "Schedules";
    public const int MaxNameLength = 200;

    public static IEndpointRouteBuilder MapSchedules(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/schedules")
            .AddEndpointFilter<SchemaReadyFilter>()
            .WithTags(Tag)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("", ListAsync)
            .WithName("ListSchedules")
            .WithSummary("List the cron schedules")
            .WithDescription("Every schedule with its cron expression, time zone, workflow, queue, whether it is paused, and its next and last tick.");
        api.MapPost("/{name}/pause", PauseAsync)
            .WithName("PauseSchedule")
            .WithSummary("Pause a schedule")
            .WithDescription("A paused schedule fires no tick until resumed. When Api:AdminKey is set, the X-Api-Key header must carry it (else 401).")
            .RequireAdminKey()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/{name}/resume", ResumeAsync)
            .WithName("ResumeSchedule")
            .WithSummary("Resume a paused schedule")
            .WithDescription("The schedule goes on from now: ticks missed while it was paused are not fired. " +
                "When Api:AdminKey is set, the X-Api-Key header must carry it (else 401).")
            .RequireAdminKey()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<Schedule>>> ListAsync(ScheduleClient schedules, CancellationToken cancellationToken) =>
        TypedResults.Ok(await schedules.ListAsync(cancellationToken));

    public static Task<Results<Ok<Schedule>, ValidationProblem, ProblemHttpResult>> PauseAsync(
        string name, ScheduleClient schedules, CancellationToken cancellationToken) =>
        ChangeAsync(name, schedules, schedules.PauseAsync, cancellationToken);

    public static Task<Results<Ok<Schedule>, ValidationProblem, ProblemHttpResult>> ResumeAsync(
        string name, ScheduleClient schedules, CancellationToken cancellationToken) =>
        ChangeAsync(name, schedules, schedules.ResumeAsync, cancellationToken);

    private static async Task<Results<Ok<Schedule>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        string name, ScheduleClient schedules, Func<string, CancellationToken, Task<bool>> change, CancellationToken cancellationToken)
    {
        if (name.Length > MaxNameLength)
        {
            var errors = new FieldErrors();
            errors.Add(nameof(name), $"{nameof(name)} must be at most {MaxNameLength} characters; got {name.Length}.");
            return errors.ToProblem();
        }

        if (!await change(name, cancellationToken))
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No schedule is named '{name}'.");
        var schedule = (await schedules.ListAsync(cancellationToken)).Single(s => s.Name == name);
        return TypedResults.Ok(schedule);
    }
}
