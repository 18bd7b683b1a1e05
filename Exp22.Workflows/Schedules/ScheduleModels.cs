namespace Exp22.Workflows.Schedules;

/// <summary>
/// A cron schedule: each tick of <paramref name="Cron"/> (five fields, or six with seconds first; Cronos
/// syntax) in <paramref name="TimeZone"/> enqueues one run of <paramref name="WorkflowName"/>. After a
/// time when no executor ticked, only the latest missed tick fires, unless <paramref name="Backfill"/>.
/// </summary>
public sealed record ScheduleDefinition(
    string Name,
    string Cron,
    string WorkflowName,
    string InputJson = "{}",
    string Queue = WorkflowQueues.Default,
    string TimeZone = "UTC",
    bool Backfill = false);

public sealed record Schedule(
    string Name,
    string Cron,
    string TimeZone,
    string WorkflowName,
    string Queue,
    bool Backfill,
    bool Paused,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? LastFiredAt);
