using Exp22.Workflows.Execution;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Schedules;

/// <summary>
/// Checks the schedules declared under <c>Workflows:Schedules</c> at start (a cron expression, a time zone, the
/// input's JSON), so that a bad one stops the process naming its key instead of failing at its first tick.
/// </summary>
internal sealed class ScheduleDeclarationsValidator : IValidateOptions<WorkflowsOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkflowsOptions options)
    {
        var errors = options.Schedules
            .SelectMany(s => Errors(s.Value, $"{WorkflowsOptions.SectionName}:{nameof(WorkflowsOptions.Schedules)}:{s.Key}"))
            .ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static ScheduleDefinition ToDefinition(ScheduleOptions schedule, string name) =>
        new(name, schedule.Cron, schedule.Workflow, schedule.Input, schedule.Queue, schedule.TimeZone, schedule.Backfill);

    /// <summary>Each broken rule, as a message naming the configuration key under <paramref name="key"/>.</summary>
    private static IEnumerable<string> Errors(ScheduleOptions schedule, string key)
    {
        if (string.IsNullOrWhiteSpace(schedule.Workflow))
            yield return $"{key}:{nameof(ScheduleOptions.Workflow)} is required.";
        if (string.IsNullOrWhiteSpace(schedule.Queue))
            yield return $"{key}:{nameof(ScheduleOptions.Queue)} must not be empty.";
        string? cronError = null;
        try
        {
            CronSchedule.Parse(schedule.Cron, schedule.TimeZone);
        }
        catch (ArgumentException e)
        {
            cronError = $"{key}:{(e.ParamName == "timeZone" ? nameof(ScheduleOptions.TimeZone) : nameof(ScheduleOptions.Cron))}: {e.Message}";
        }

        if (cronError is not null)
            yield return cronError;
        string? inputError = null;
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(schedule.Input);
        }
        catch (System.Text.Json.JsonException e)
        {
            inputError = $"{key}:{nameof(ScheduleOptions.Input)} is not JSON: {e.Message}";
        }

        if (inputError is not null)
            yield return inputError;
    }
}
