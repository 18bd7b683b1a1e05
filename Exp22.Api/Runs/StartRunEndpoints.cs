using Exp22.Api.OpenApi;
using Exp22.Api.Validation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Exp22.Api.Runs;

/// <summary><c>GET /</c> (the seed's endpoint, query parameters) and <c>POST /runs</c> (JSON body).</summary>
public static class StartRunEndpoints
{
    public const string SubWorkflowsQuery = "n_sub_workflows";
    public const string StepsPerWorkflowQuery = "n_steps_per_workflow";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", FromQueryAsync)
            .WithName("StartRunFromQuery")
            .WithSummary("Start a demo run (the seed's endpoint)")
            .WithDescription("Enqueues a demo-run of n_sub_workflows sub-workflows with n_steps_per_workflow steps each; " +
                "absent or empty values take their defaults. Answers where to follow the run.")
            .WithIntegerQuery(SubWorkflowsQuery, RunLimits.SubWorkflows, RunLimits.DefaultSubWorkflows, "Sub-workflows in the run.")
            .WithIntegerQuery(StepsPerWorkflowQuery, RunLimits.StepsPerWorkflow, RunLimits.DefaultStepsPerWorkflow, "Steps in each sub-workflow.")
            .WithIdempotencyKeyHeader();

        app.MapPost("/runs", FromBodyAsync)
            .WithName("StartRun")
            .WithSummary("Start a demo run")
            .WithDescription($"subWorkflows and stepsPerWorkflow are required ({RunLimits.SubWorkflows.Description} / " +
                $"{RunLimits.StepsPerWorkflow.Description}); stepDelayMs is optional, min and max {RunLimits.StepDelayMs.Description} " +
                $"with min at most max; timeoutSeconds is optional ({RunLimits.TimeoutSeconds.Description}): past it the run ends " +
                "CANCELLED with its sub-workflows. Optional enqueue options: queue (default 'default'; executors claim only their queues), " +
                $"partitionKey (for a partitioned queue), notBefore (ISO 8601 with offset, at most {RunLimits.MaxNotBeforeAhead.TotalDays:0} days ahead), " +
                $"priority ({RunLimits.Priority.Description}, higher first), applicationVersion (only executors of that version run it; " +
                "default: the latest registered version, see GET /versions). " +
                "A repeated Idempotency-Key answers the run it created, with Idempotent-Replayed: true.")
            .WithIdempotencyKeyHeader()
            .AcceptsJson<StartRunBody>();
    }

    public static async Task<Results<Accepted<RunAccepted>, ValidationProblem>> FromQueryAsync(
        [FromQuery(Name = SubWorkflowsQuery)] string? subWorkflows,
        [FromQuery(Name = StepsPerWorkflowQuery)] string? stepsPerWorkflow,
        HttpContext http,
        RunStarter starter)
    {
        var errors = new FieldErrors();
        var input = new DemoRunInput(
            QueryValues.WholeNumber(subWorkflows, SubWorkflowsQuery, RunLimits.SubWorkflows, RunLimits.DefaultSubWorkflows, errors),
            QueryValues.WholeNumber(stepsPerWorkflow, StepsPerWorkflowQuery, RunLimits.StepsPerWorkflow, RunLimits.DefaultStepsPerWorkflow, errors));
        var idempotencyKey = IdempotencyKeys.Read(http.Request, errors);
        if (errors.Any)
            return errors.ToProblem();
        return await StartAsync(new RunRequest(input, null), RunPlacement.Default, idempotencyKey, http, starter);
    }

    public static async Task<Results<Accepted<RunAccepted>, ValidationProblem, ProblemHttpResult>> FromBodyAsync(
        HttpContext http, RunStarter starter, TimeProvider time)
    {
        if (JsonBody.ProblemUnlessJson(http.Request) is { } unsupported)
            return unsupported;

        var errors = new FieldErrors();
        var idempotencyKey = IdempotencyKeys.Read(http.Request, errors);
        var body = await RunRequestBody.ReadAsync(http.Request, errors, time, http.RequestAborted);
        if (body is not { } read || errors.Any)
            return errors.ToProblem();
        return await StartAsync(read.Input, read.Placement, idempotencyKey, http, starter);
    }

    private static async Task<Accepted<RunAccepted>> StartAsync(
        RunRequest input, RunPlacement placement, string? idempotencyKey, HttpContext http, RunStarter starter)
    {
        var run = await starter.StartAsync(input, placement, idempotencyKey, http.RequestAborted);
        if (!run.Created)
            http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        var statusUrl = RunUrls.Status(run.RunId);
        return TypedResults.Accepted(statusUrl, new RunAccepted(run.RunId, run.Status, statusUrl));
    }
}
