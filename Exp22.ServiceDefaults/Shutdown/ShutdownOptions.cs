using System.ComponentModel.DataAnnotations;

namespace Exp22.ServiceDefaults.Shutdown;

/// <summary>
/// The <c>Shutdown</c> section: how a service leaves a load balancer's pool without dropping a request
/// (docs/design.md#the-timing-budget). Both waits are declared to the shutdown budget, so <c>HostOptions:ShutdownTimeout</c>
/// must contain them.
/// </summary>
public sealed class ShutdownOptions : IValidatableObject
{
    public const string SectionName = "Shutdown";
    public const string DrainDelayKey = $"{SectionName}:{nameof(DrainDelay)}";
    public const string RequestDrainTimeoutKey = $"{SectionName}:{nameof(RequestDrainTimeout)}";

    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(10);

    /// <summary>
    /// After SIGTERM: readiness fails at once, but the server keeps accepting and serving this long, so
    /// the load balancer notices and stops routing here first. Behind Kubernetes, the time a load balancer
    /// needs to deregister a target; zero stops accepting at once.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Once the server stops accepting: how long the requests in flight may take to finish. Those still
    /// running then are aborted, and their count logged; a slow client cannot hold the process longer.
    /// </summary>
    public TimeSpan RequestDrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DrainDelay < TimeSpan.Zero || DrainDelay > Longest)
            yield return new ValidationResult($"{DrainDelayKey} must be between 00:00:00 and {Longest:c}; got {DrainDelay:c}.", [nameof(DrainDelay)]);
        if (RequestDrainTimeout < TimeSpan.Zero || RequestDrainTimeout > Longest)
            yield return new ValidationResult($"{RequestDrainTimeoutKey} must be between 00:00:00 and {Longest:c}; got {RequestDrainTimeout:c}.", [nameof(RequestDrainTimeout)]);
    }
}
