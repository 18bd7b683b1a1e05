namespace Exp22.Workflows.Schedules;

/// <summary>A schedule declared in configuration, <c>Workflows:Schedules:&lt;name&gt;:...</c>; executors save it at start.</summary>
public sealed class ScheduleOptions
{
    public string Cron { get; set; } = "";

    public string Workflow { get; set; } = "";

    /// <summary>The input of every run, as JSON.</summary>
    public string Input { get; set; } = "{}";

    public string Queue { get; set; } = WorkflowQueues.Default;

    public string TimeZone { get; set; } = "UTC";

    public bool Backfill { get; set; }

    public ScheduleDefinition ToDefinition(string name) => new(name, Cron, Workflow, Input, Queue, TimeZone, Backfill);

    /// <summary>Each broken rule, as a message naming the configuration key under <paramref name="key"/>.</summary>
    public IEnumerable<string> Errors(string key)
    {
        if (string.IsNullOrWhiteSpace(Workflow))
            yield return $"{key}:{nameof(Workflow)} is required.";
        if (string.IsNullOrWhiteSpace(Queue))
            yield return $"{key}:{nameof(Queue)} must not be empty.";
        string? cronError = null;
        try
        {
            CronSchedule.Parse(Cron, TimeZone);
        }
        catch (ArgumentException e)
        {
            cronError = $"{key}:{(e.ParamName == "timeZone" ? nameof(TimeZone) : nameof(Cron))}: {e.Message}";
        }

        if (cronError is not null)
            yield return cronError;
        string? inputError = null;
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(Input);
        }
        catch (System.Text.Json.JsonException e)
        {
            inputError = $"{key}:{nameof(Input)} is not JSON: {e.Message}";
        }

        if (inputError is not null)
            yield return inputError;
    }
}
