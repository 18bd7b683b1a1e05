using System.Globalization;
using System.Text.Json;
using Exp22.Api.Runs;

namespace Exp22.Api.Validation;

/// <summary>
/// Reads and checks the body of <c>POST /runs</c> by hand (through <see cref="JsonBody"/>): a framework-bound body turns malformed JSON
/// into a <see cref="BadHttpRequestException"/> and a wrong type into a message that names no field.
/// Here every problem is reported under its field (<c>subWorkflows</c>, <c>stepDelayMs.min</c>, ...)
/// with the accepted range. Property names match case-insensitively, as with the web JSON defaults.
/// </summary>
public static class RunRequestBody
{
    public const string BodyField = JsonBody.BodyField;
    public const string SubWorkflowsField = "subWorkflows";
    public const string StepsPerWorkflowField = "stepsPerWorkflow";
    public const string StepDelayField = "stepDelayMs";
    public const string TimeoutField = "timeoutSeconds";
    public const string QueueField = "queue";
    public const string PartitionKeyField = "partitionKey";
    public const string NotBeforeField = "notBefore";
    public const string PriorityField = "priority";
    public const string ApplicationVersionField = "applicationVersion";

    private const string Example = """{"subWorkflows": 2, "stepsPerWorkflow": 3, "stepDelayMs": {"min": 100, "max": 500}}""";

    /// <returns>The input, or null when <paramref name="errors"/> says why not.</returns>
    public static async Task<(RunRequest Input, RunPlacement Placement)?> ReadAsync(
        HttpRequest request, FieldErrors errors, TimeProvider time, CancellationToken cancellationToken)
    {
        using var document = await JsonBody.ReadObjectAsync(request, Example, errors, cancellationToken);
        if (document is null)
            return null;
        var input = Read(document.RootElement, errors);
        var placement = Placement(document.RootElement, errors, time.GetUtcNow());
        return input is not null && placement is not null && !errors.Any ? (input, placement) : null;
    }

    private static RunPlacement? Placement(JsonElement root, FieldErrors errors, DateTimeOffset now)
    {
        var queue = OptionalString(root, QueueField, RunLimits.MaxQueueNameLength, errors);
        if (queue is not null && !KeyCharacters.AreAllowed(queue))
        {
            errors.Add(QueueField, $"{QueueField} must be letters, digits, '.', '_', ':' or '-'; got {Shown.Json(root.GetProperty(QueueField))}.");
            queue = null;
        }

        var partitionKey = OptionalString(root, PartitionKeyField, RunLimits.MaxPartitionKeyLength, errors);
        int? priority = null;
        if (JsonBody.TryGetProperty(root, PriorityField, out var priorityValue) && priorityValue.ValueKind != JsonValueKind.Null)
        {
            if (priorityValue.ValueKind == JsonValueKind.Number && priorityValue.TryGetInt32(out var number) && RunLimits.Priority.Contains(number))
                priority = number;
            else
                errors.Add(PriorityField, $"{RunLimits.Priority.Rule(PriorityField)}; got {Shown.Json(priorityValue)}.");
        }

        DateTimeOffset? notBefore = null;
        if (JsonBody.TryGetProperty(root, NotBeforeField, out var notBeforeValue) && notBeforeValue.ValueKind != JsonValueKind.Null)
        {
            if (notBeforeValue.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParseExact(notBeforeValue.GetString(), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture,
                    DateTimeStyles.None, out var at)
                && notBeforeValue.GetString()!.Length > 19 && at <= now + RunLimits.MaxNotBeforeAhead)
                notBefore = at;
            else
                errors.Add(NotBeforeField,
                    $"{NotBeforeField} must be null or an ISO 8601 date-time with an offset, such as 2026-01-31T09:00:00Z, " +
                    $"at most {RunLimits.MaxNotBeforeAhead.TotalDays:0} days ahead; got {Shown.Json(notBeforeValue)}.");
        }

        var applicationVersion = OptionalString(root, ApplicationVersionField, Workflows.ApplicationVersion.MaxLength, errors);
        if (applicationVersion is not null && !Workflows.ApplicationVersion.IsValid(applicationVersion)
            && JsonBody.TryGetProperty(root, ApplicationVersionField, out var versionValue))
        {
            errors.Add(ApplicationVersionField, $"{Workflows.ApplicationVersion.Rule(ApplicationVersionField)}; got {Shown.Json(versionValue)}.");
            applicationVersion = null;
        }

        return errors.Any ? null : new RunPlacement(queue ?? RunPlacement.Default.Queue, priority ?? 0, partitionKey, notBefore, applicationVersion);
    }

    private static string? OptionalString(JsonElement root, string field, int maxLength, FieldErrors errors)
    {
        if (!JsonBody.TryGetProperty(root, field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text && text.Length <= maxLength)
            return text;
        errors.Add(field, $"{field} must be null or a string of 1 to {maxLength} characters; got {Shown.Json(value)}.");
        return null;
    }

    private static RunRequest? Read(JsonElement root, FieldErrors errors)
    {
        var subWorkflows = JsonBody.RequiredInteger(root, SubWorkflowsField, SubWorkflowsField, RunLimits.SubWorkflows, errors);
        var steps = JsonBody.RequiredInteger(root, StepsPerWorkflowField, StepsPerWorkflowField, RunLimits.StepsPerWorkflow, errors);
        var delay = StepDelay(root, errors);
        var timeout = JsonBody.TryGetProperty(root, TimeoutField, out var value) && value.ValueKind != JsonValueKind.Null
            ? JsonBody.RequiredInteger(root, TimeoutField, TimeoutField, RunLimits.TimeoutSeconds, errors)
            : null;
        return subWorkflows is { } n && steps is { } k && !errors.Any
            ? new RunRequest(new DemoRunInput(n, k, delay), timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null)
            : null;
    }

    private static StepDelayRange? StepDelay(JsonElement root, FieldErrors errors)
    {
        if (!JsonBody.TryGetProperty(root, StepDelayField, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;

        var range = RunLimits.StepDelayMs;
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(StepDelayField,
                $"{StepDelayField} must be null or an object {{\"min\": {range.Min}-{range.Max}, \"max\": {range.Min}-{range.Max}}} " +
                $"with min at most max; got {Shown.Json(value)}.");
            return null;
        }

        var min = JsonBody.RequiredInteger(value, "min", $"{StepDelayField}.min", range, errors);
        var max = JsonBody.RequiredInteger(value, "max", $"{StepDelayField}.max", range, errors);
        if (min is not null && max is not null && min > max)
        {
            errors.Add(StepDelayField, $"{StepDelayField}.min ({min}) must not be greater than {StepDelayField}.max ({max}).");
            return null;
        }

        return min is null || max is null ? null : new StepDelayRange(min.Value, max.Value);
    }
}
