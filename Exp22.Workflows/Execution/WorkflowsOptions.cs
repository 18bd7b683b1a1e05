using System.ComponentModel.DataAnnotations;

namespace Exp22.Workflows.Execution;

/// <summary>The <c>Workflows</c> configuration section (docs/design.md#configuration-keys).</summary>
public sealed class WorkflowsOptions : IValidatableObject
{
    public const string SectionName = "Workflows";
    public const string WorkflowCompletionTimeoutKey = $"{SectionName}:{nameof(WorkflowCompletionTimeout)}";
    public const string HandoverTimeoutKey = $"{SectionName}:{nameof(HandoverTimeout)}";
    public const string LeaveTimeoutKey = $"{SectionName}:{nameof(LeaveTimeout)}";

    [Required, MinLength(1)]
    public string ApplicationName { get; set; } = "exp22";

    /// <summary>
    /// The version of the workflow code this executor runs: it claims, resumes and recovers only workflows
    /// stamped with it. Defaults to the entry assembly's informational version (<see cref="Workflows.ApplicationVersion.OfEntryAssembly"/>).
    /// </summary>
    [Required, RegularExpression(Workflows.ApplicationVersion.Pattern,
        ErrorMessage = "Workflows:ApplicationVersion must be 1-128 characters of letters, digits, '.', '_', '+', ':' or '-'.")]
    public string ApplicationVersion { get; set; } = Workflows.ApplicationVersion.OfEntryAssembly();

    /// <summary>Unique per executor process: claims and fencing are keyed by it.</summary>
    [Required, RegularExpression("^[A-Za-z0-9._:-]{1,100}$",
        ErrorMessage = "Workflows:ExecutorId must be 1-100 characters of letters, digits, '.', '_', ':' or '-'.")]
    public string ExecutorId { get; set; } = "exp22-executor-1";

    /// <summary>Workflows one executor runs at once. A parent waiting for its children holds none.</summary>
    [Range(1, 10_000, ErrorMessage = "Workflows:Concurrency must be between 1 and 10000.")]
    public int Concurrency { get; set; } = 16;

    /// <summary>
    /// The queues this executor claims from; empty means the default queue. (No default value here:
    /// configuration binding appends to an array, so a default would always stay in the list.) A named
    /// key (<c>Workflows:Queues:payments:GlobalConcurrency</c>) both defines the queue's limits and adds
    /// it here; an indexed key (<c>Workflows:Queues:0</c>) only names a queue.
    /// </summary>
    public string[] Queues { get; set; } = [];

    /// <summary>
    /// Queue limits, from named keys under <c>Workflows:Queues</c> (<see cref="QueueDefinitionsConfiguration"/>)
    /// and from <see cref="WorkflowsBuilder.AddQueue"/>. Not bound by name: the section is shared with <see cref="Queues"/>.
    /// </summary>
    internal Dictionary<string, QueueDefinition> QueueDefinitions { get; } = new(StringComparer.Ordinal);

    public string[] EffectiveQueues => Queues.Length == 0 ? [WorkflowQueues.Default] : [.. Queues.Distinct()];

    /// <summary>How long a draining executor lets its in-flight workflows finish before handing them back.</summary>
    public TimeSpan WorkflowCompletionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After the completion timeout: how long the drain may take to hand the unfinished workflows back to
    /// the queue and stop their local executions. What it cannot hand back in time stays with this
    /// executor's id until survivors recover it, <see cref="HeartbeatTimeout"/> after its last heartbeat.
    /// </summary>
    public TimeSpan HandoverTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Last step of a drain: how long stopping the heartbeat and listener and deregistering may take.</summary>
    public TimeSpan LeaveTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An executor silent for this long is dead: survivors re-enqueue its workflows.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The fallback claim interval when no notification arrives.</summary>
    public TimeSpan PollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many times in a row a workflow may be recovered from an executor that died running it without
    /// a new checkpoint or child in between. The next claim after that records
    /// <see cref="WorkflowStatus.MaxRecoveryExceeded"/> instead of running it again, so a workflow that
    /// kills its process takes down at most this many plus one processes. The default follows DBOS's max
    /// recovery attempts (100). A drain's handover does not count, and progress starts the count again.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "Workflows:MaxRecoveryAttempts must be between 0 and 1000000.")]
    public int MaxRecoveryAttempts { get; set; } = 100;

    /// <summary>Cron schedules this executor declares at start (<c>Workflows:Schedules:&lt;name&gt;:Cron</c>, ...).</summary>
    public Dictionary<string, ScheduleOptions> Schedules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often an executor looks for due schedule ticks; a tick fires at most this late.</summary>
    public TimeSpan ScheduleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Finished runs older than this are deleted (with their children and steps); zero keeps them for ever.</summary>
    public TimeSpan RetentionPeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often an executor deletes expired runs, in batches of <see cref="RetentionBatchSize"/> runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Range(1, 10_000, ErrorMessage = "Workflows:RetentionBatchSize must be between 1 and 10000.")]
    public int RetentionBatchSize { get; set; } = 200;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (WorkflowCompletionTimeout < TimeSpan.Zero || WorkflowCompletionTimeout > TimeSpan.FromHours(1))
            yield return Error(nameof(WorkflowCompletionTimeout), "must be between 00:00:00 and 01:00:00");
        if (HandoverTimeout < TimeSpan.FromMilliseconds(100) || HandoverTimeout > TimeSpan.FromMinutes(5))
            yield return Error(nameof(HandoverTimeout), "must be between 00:00:00.100 and 00:05:00");
        if (LeaveTimeout < TimeSpan.FromMilliseconds(100) || LeaveTimeout > TimeSpan.FromMinutes(5))
            yield return Error(nameof(LeaveTimeout), "must be between 00:00:00.100 and 00:05:00");
        if (HeartbeatInterval < TimeSpan.FromMilliseconds(50) || HeartbeatInterval > TimeSpan.FromMinutes(5))
            yield return Error(nameof(HeartbeatInterval), "must be between 00:00:00.050 and 00:05:00");
        if (HeartbeatTimeout < 2 * HeartbeatInterval)
            yield return Error(nameof(HeartbeatTimeout), "must be at least twice Workflows:HeartbeatInterval");
        if (PollingInterval < TimeSpan.FromMilliseconds(10) || PollingInterval > TimeSpan.FromMinutes(5))
            yield return Error(nameof(PollingInterval), "must be between 00:00:00.010 and 00:05:00");
        if (Queues?.Any(string.IsNullOrWhiteSpace) == true)
            yield return Error(nameof(Queues), "must not contain an empty queue name");
        if (ScheduleInterval < TimeSpan.FromMilliseconds(10) || ScheduleInterval > TimeSpan.FromMinutes(5))
            yield return Error(nameof(ScheduleInterval), "must be between 00:00:00.010 and 00:05:00");
        if (RetentionPeriod < TimeSpan.Zero)
            yield return Error(nameof(RetentionPeriod), "must not be negative (00:00:00 keeps runs for ever)");
        if (RetentionInterval < TimeSpan.FromMilliseconds(10) || RetentionInterval > TimeSpan.FromDays(1))
            yield return Error(nameof(RetentionInterval), "must be between 00:00:00.010 and 1.00:00:00");
        foreach (var (name, definition) in QueueDefinitions)
        {
            foreach (var error in definition.Errors($"{SectionName}:{nameof(Queues)}:{name}"))
                yield return new ValidationResult(error, [nameof(Queues)]);
        }
    }

    private static ValidationResult Error(string property, string rule) =>
        new($"{SectionName}:{property} {rule}.", [property]);
}
