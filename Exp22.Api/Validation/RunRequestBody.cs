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

    private const string Example = """{"subWorkflows": 2, "stepsPerWorkflow": 3, "stepDelayMs": {"min": 100, "max": 500}}""";

    /// <returns>The input, or null when <paramref name="errors"/> says why not.</returns>
    public static async Task<RunRequest?> ReadAsync(HttpRequest request, FieldErrors errors, CancellationToken cancellationToken)
    {
        using var document = await JsonBody.ReadObjectAsync(request, Example, errors, cancellationToken);
        return document is null ? null : Read(document.RootElement, errors);
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
