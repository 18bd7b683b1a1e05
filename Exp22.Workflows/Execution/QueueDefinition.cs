namespace Exp22.Workflows.Execution;

/// <summary>
/// The limits of one queue: configuration <c>Workflows:Queues:&lt;name&gt;:...</c> or
/// <see cref="Hosting.WorkflowsBuilder.AddQueue"/>. Global concurrency and the rate limit hold across every
/// executor (the claim counts them in the database under a per-queue lock, see docs/queues-and-schedules.md);
/// executor concurrency caps each executor on its own. With <see cref="Partitioned"/>, the global limits
/// apply to each partition key given at enqueue instead of to the whole queue.
/// </summary>
public sealed class QueueDefinition
{
    public const int MaxConcurrency = 100_000;

    /// <summary>Workflows of this queue running at once across every executor (parked ones hold none).</summary>
    public int? GlobalConcurrency { get; set; }

    /// <summary>Workflows of this queue one executor runs at once, within its <c>Workflows:Concurrency</c>.</summary>
    public int? ExecutorConcurrency { get; set; }

    /// <summary>At most this many workflows of the queue start within any <see cref="RatePeriod"/>.</summary>
    public int? RateLimit { get; set; }

    public TimeSpan? RatePeriod { get; set; }

    public bool Partitioned { get; set; }

    /// <summary>Limits counted in the database for every executor; otherwise the queue keeps the plain claim.</summary>
    public bool IsFleetLimited => GlobalConcurrency is not null || RateLimit is not null;

    /// <summary>Each broken rule, as a message naming the configuration key under <paramref name="key"/>.</summary>
    public IEnumerable<string> Errors(string key)
    {
        if (GlobalConcurrency is < 1 or > MaxConcurrency)
            yield return $"{key}:{nameof(GlobalConcurrency)} must be between 1 and {MaxConcurrency}.";
        if (ExecutorConcurrency is < 1 or > MaxConcurrency)
            yield return $"{key}:{nameof(ExecutorConcurrency)} must be between 1 and {MaxConcurrency}.";
        if (RateLimit is < 1 or > 1_000_000)
            yield return $"{key}:{nameof(RateLimit)} must be between 1 and 1000000.";
        if (RateLimit is not null && RatePeriod is null)
            yield return $"{key}:{nameof(RatePeriod)} is required with {key}:{nameof(RateLimit)}.";
        if (RatePeriod is { } period && (period < TimeSpan.FromMilliseconds(10) || period > TimeSpan.FromDays(1)))
            yield return $"{key}:{nameof(RatePeriod)} must be between 00:00:00.010 and 1.00:00:00.";
        if (RatePeriod is not null && RateLimit is null)
            yield return $"{key}:{nameof(RateLimit)} is required with {key}:{nameof(RatePeriod)}.";
        if (Partitioned && !IsFleetLimited)
            yield return $"{key}:{nameof(Partitioned)} needs {key}:{nameof(GlobalConcurrency)} or {key}:{nameof(RateLimit)}: a partition only scopes those limits.";
    }
}
