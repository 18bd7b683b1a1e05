using System.Text.Json;
using Exp22.Api.OpenApi;
using Exp22.Api.Security;
using Exp22.Api.Validation;
using Exp22.Workflows.Client;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Exp22.Api.Runs;

/// <summary>
/// <c>POST /runs/{id}/messages/{topic}</c> and <c>GET /runs/{id}/events/{key}</c>: talk to a running
/// workflow, through the engine's <see cref="WorkflowClient.SendAsync{T}"/> and <see cref="WorkflowClient.GetEventAsync{T}"/>.
/// </summary>
public static partial class RunMessageEndpoints
{
    public const string TimeoutQuery = "timeoutMs";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/runs/{id}/messages/{topic}", SendAsync)
            .WithName("SendRunMessage")
            .WithSummary("Send a message to a run")
            .WithDescription("The body (a JSON object) is the message; the run's next receive on the topic takes it, exactly once, " +
                "whether it is waiting already or not yet. 202 once stored; with an Idempotency-Key used before for this run it is " +
                $"not delivered again (202, duplicate: true, {IdempotencyKeys.ReplayedHeader}: true). A run that has finished takes no " +
                "message (409, the problem names it in runStatus), unless the key was used before (202, duplicate). " +
                "When Api:AdminKey is set, the X-Api-Key header must carry it (else 401).")
            .WithRunIdPath()
            .WithRunKeyPath(RunKeys.TopicField, "The topic the workflow receives on (demo-order: approve).")
            .WithIdempotencyKeyHeader($"1-{RunLimits.MaxIdempotencyKeyLength} printable ASCII characters. A message with a key already sent " +
                "to this run is dropped, whether the first one was received yet or not.")
            .RequireAdminKey()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .AcceptsJson<Dictionary<string, JsonElement>>();

        app.MapGet("/runs/{id}/events/{key}", GetEventAsync)
            .WithName("GetRunEvent")
            .WithSummary("The latest value a run published for an event")
            .WithDescription("404 when the run has published none yet (or there is no such run); timeoutMs waits that long for a first one.")
            .WithRunIdPath()
            .WithRunKeyPath(RunKeys.EventKeyField, "The event's key (demo-order: status).")
            .WithIntegerQuery(TimeoutQuery, RunLimits.EventTimeoutMs, RunLimits.MinEventTimeoutMs, "How long to wait for a first value, in milliseconds.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static async Task<Results<Accepted<MessageAccepted>, ValidationProblem, ProblemHttpResult>> SendAsync(
        string id, string topic, HttpContext http, WorkflowClient client, ILoggerFactory loggers)
    {
        if (JsonBody.ProblemUnlessJson(http.Request) is { } unsupported)
            return unsupported;

        var errors = new FieldErrors();
        RunIds.TryParse(id, errors, out var runId);
        var validTopic = RunKeys.Read(topic, RunKeys.TopicField, errors);
        var idempotencyKey = IdempotencyKeys.Read(http.Request, errors);
        using var message = await JsonBody.ReadObjectAsync(http.Request, """{"approvedBy": "ops"}""", errors, http.RequestAborted);
        if (message is null || validTopic is null || errors.Any)
            return errors.ToProblem();

        // Only a run (a root workflow) is addressable, as in POST /runs/{id}/cancel.
        if (await client.GetRunAsync(runId, http.RequestAborted) is null)
            return RunProblems.NotFound(runId);
        SendOutcome outcome;
        try
        {
            outcome = await client.SendAsync(runId, validTopic, message.RootElement, idempotencyKey, http.RequestAborted);
        }
        catch (WorkflowFinishedException finished)
        {
            return RunProblems.FinishedTakesNoMessage(runId, finished.Status);
        }

        if (outcome == SendOutcome.NotFound)
            return RunProblems.NotFound(runId);

        var duplicate = outcome == SendOutcome.Duplicate;
        if (duplicate)
            http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        var logger = loggers.CreateLogger(typeof(RunMessageEndpoints));
        LogSent(logger, validTopic, runId, duplicate);
        var statusUrl = RunUrls.Status(runId);
        return TypedResults.Accepted(statusUrl, new MessageAccepted(runId, validTopic, duplicate, statusUrl));
    }

    public static async Task<Results<Ok<RunEvent>, ValidationProblem, ProblemHttpResult>> GetEventAsync(
        string id, string key, [FromQuery(Name = TimeoutQuery)] string? timeoutMs, WorkflowClient client, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        RunIds.TryParse(id, errors, out var runId);
        var validKey = RunKeys.Read(key, RunKeys.EventKeyField, errors);
        var timeout = QueryValues.WholeNumber(timeoutMs, TimeoutQuery, RunLimits.EventTimeoutMs, RunLimits.MinEventTimeoutMs, errors);
        if (validKey is null || errors.Any)
            return errors.ToProblem();

        var found = await client.GetEventAsync<JsonElement>(runId, validKey, TimeSpan.FromMilliseconds(timeout), cancellationToken);
        if (found is not null)
            return TypedResults.Ok(new RunEvent(found.Key, found.Value, found.UpdatedAt));
        if (await client.GetRunAsync(runId, cancellationToken) is null)
            return RunProblems.NotFound(runId);
        return RunProblems.NoEvent(runId, validKey);
    }

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Sent a message on {Topic} to run {RunId} (duplicate, dropped: {Duplicate})")]
    private static partial void LogSent(ILogger logger, string topic, Guid runId, bool duplicate);
}
