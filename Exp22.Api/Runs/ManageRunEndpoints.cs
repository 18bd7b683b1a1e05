using Exp22.Api.OpenApi;
using Exp22.Api.Security;
using Exp22.Api.Validation;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Runs;

/// <summary>
/// <c>POST /runs/{id}/resume</c>, <c>POST /runs/{id}/fork</c> and <c>GET /runs/{id}/steps</c>: continue a
/// run that ended without succeeding, re-run one from a step, and list its checkpoints.
/// </summary>
public static partial class ManageRunEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/runs/{id}/resume", ResumeAsync)
            .WithName("ResumeRun")
            .WithSummary("Resume a run that ended CANCELLED, ERROR or MAX_RECOVERY_EXCEEDED")
            .WithDescription("202 once the run (and its sub-workflows that did not succeed) is back on the queue: it continues from " +
                "its last checkpoint, checkpointed steps are not run again, a failed step is. 409 when the run is enqueued, running " +
                "or succeeded. Each workflow keeps its application version, unless the applicationVersion query names the version " +
                "that must run it from now on (the operator's word that that code can replay its checkpoints). " +
                "When Api:AdminKey is set, the X-Api-Key header must carry it (else 401).")
            .WithRunIdPath()
            .RequireAdminKey()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        app.MapPost("/runs/{id}/fork", ForkAsync)
            .WithName("ForkRun")
            .WithSummary("Start a new run from a step of this one")
            .WithDescription("fromStep is required (1-based, as in GET /runs/{id}/steps; " + ForkRequestBody.FromStep.Description + "): " +
                "the new run has the same workflow and input, starts with this run's checkpoints before that step and runs the rest. " +
                "When Api:AdminKey is set, the X-Api-Key header must carry it (else 401).")
            .WithRunIdPath()
            .RequireAdminKey()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AcceptsJson<ForkRequest>();

        app.MapGet("/runs/{id}/steps", ListStepsAsync)
            .WithName("ListRunSteps")
            .WithSummary("The checkpoints of a run's root workflow, in order")
            .WithDescription("Steps, timers, receives and events, each with its 1-based index (the fromStep of a fork).")
            .WithRunIdPath()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public const string ApplicationVersionQuery = "applicationVersion";

    public static Task<Results<Accepted<RunAccepted>, ValidationProblem, ProblemHttpResult>> ResumeAsync(
        string id, [Microsoft.AspNetCore.Mvc.FromQuery(Name = ApplicationVersionQuery)] string? applicationVersion,
        WorkflowClient client, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        RunAction.ApplyAsync(id, client, WorkflowStatus.Enqueued, async runId =>
        {
            var outcome = await client.ResumeAsync(runId, applicationVersion, cancellationToken);
            var logger = loggers.CreateLogger(typeof(ManageRunEndpoints));
            if (outcome == ResumeOutcome.Resumed)
                LogResumed(logger, runId);
            return outcome switch
            {
                ResumeOutcome.Resumed => null,
                ResumeOutcome.NotResumable => RunProblems.NotResumable(runId),
                _ => RunProblems.NotFound(runId),
            };
        }, cancellationToken, errors =>
        {
            if (applicationVersion is not null && !ApplicationVersion.IsValid(applicationVersion))
                errors.Add(ApplicationVersionQuery, $"{ApplicationVersion.Rule(ApplicationVersionQuery)}; got {Shown.Text(applicationVersion)}.");
        });

    public static async Task<Results<Accepted<RunAccepted>, ValidationProblem, ProblemHttpResult>> ForkAsync(
        string id, HttpContext http, WorkflowClient client, ILoggerFactory loggers)
    {
        if (JsonBody.ProblemUnlessJson(http.Request) is { } unsupported)
            return unsupported;

        var errors = new FieldErrors();
        RunIds.TryParse(id, errors, out var runId);
        var fromStep = await ForkRequestBody.ReadAsync(http.Request, errors, http.RequestAborted);
        if (fromStep is null || errors.Any)
            return errors.ToProblem();

        // The n-th checkpoint as listed, whose engine position may be further on (children take positions too).
        var steps = await client.ListStepsAsync(runId, http.RequestAborted);
        if (steps is null || await client.GetRunAsync(runId, http.RequestAborted) is not { ParentId: null })
            return RunProblems.NotFound(runId);
        var position = fromStep.Value <= steps.Count ? steps[fromStep.Value - 1].Index : (steps.Count == 0 ? 0 : steps[^1].Index + 1);
        var fork = await client.ForkAsync(runId, position, http.RequestAborted);
        if (fork is null)
            return RunProblems.NotFound(runId);

        var logger = loggers.CreateLogger(typeof(ManageRunEndpoints));
        LogForked(logger, fork.RunId, runId, fromStep.Value, fork.CopiedSteps);
        var statusUrl = RunUrls.Status(fork.RunId);
        return TypedResults.Accepted(statusUrl, new RunAccepted(fork.RunId, WorkflowStatus.Enqueued, statusUrl));
    }

    public static async Task<Results<Ok<StepList>, ValidationProblem, ProblemHttpResult>> ListStepsAsync(
        string id, WorkflowClient client, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!RunIds.TryParse(id, errors, out var runId))
            return errors.ToProblem();
        var steps = await client.ListStepsAsync(runId, cancellationToken);
        return steps is null ? RunProblems.NotFound(runId) : TypedResults.Ok(new StepList(RunDetailsMapper.ToSteps(steps)));
    }

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Resumed run {RunId} from its last checkpoint")]
    private static partial void LogResumed(ILogger logger, Guid runId);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Forked run {ForkId} from step {FromStep} of run {RunId} ({Copied} checkpoints copied)")]
    private static partial void LogForked(ILogger logger, Guid forkId, Guid runId, int fromStep, int copied);
}
