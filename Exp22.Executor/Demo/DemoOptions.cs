using System.ComponentModel.DataAnnotations;

namespace Exp22.Executor.Demo;

/// <summary>The <c>Demo</c> section: the step delay used when a run does not choose its own.</summary>
public sealed class DemoOptions : IValidatableObject
{
    public const string SectionName = "Demo";

    [Range(0, 60_000, ErrorMessage = "Demo:StepDelayMinMs must be between 0 and 60000.")]
    public int StepDelayMinMs { get; set; } = 500;

    [Range(0, 60_000, ErrorMessage = "Demo:StepDelayMaxMs must be between 0 and 60000.")]
    public int StepDelayMaxMs { get; set; } = 1500;

    public StepDelayRange DefaultDelay => new(StepDelayMinMs, StepDelayMaxMs);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StepDelayMinMs > StepDelayMaxMs)
            yield return new ValidationResult("Demo:StepDelayMinMs must not exceed Demo:StepDelayMaxMs.", [nameof(StepDelayMinMs)]);
    }
}
