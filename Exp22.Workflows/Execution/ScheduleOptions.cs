namespace Exp22.Workflows.Execution;

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
}
