namespace Exp22.Workflows;

/// <summary>How a step is retried before its failure is checkpointed: exponential backoff, capped.</summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan InitialDelay, double BackoffCoefficient = 2.0, TimeSpan? MaxDelay = null)
{
    public static readonly RetryPolicy None = new(1, TimeSpan.Zero);

    public TimeSpan DelayBefore(int nextAttempt)
    {
        var delay = InitialDelay * Math.Pow(BackoffCoefficient, nextAttempt - 2);
        return MaxDelay is { } cap && delay > cap ? cap : delay;
    }

    internal void Validate()
    {
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), "must be at least 1");
        if (InitialDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(InitialDelay), "must not be negative");
        if (BackoffCoefficient < 1) throw new ArgumentOutOfRangeException(nameof(BackoffCoefficient), "must be at least 1");
    }
}
