using System.ComponentModel.DataAnnotations;

namespace Exp22.Api.Runs;

/// <summary>
/// The input of the seed's <c>demo-run</c> workflow, as stored (camelCase JSON). The executor defines
/// identically shaped records: the JSON is the contract. The ranges document the API's limits in the
/// OpenAPI schema; <see cref="Validation.RunRequestBody"/> enforces them.
/// </summary>
public sealed record DemoRunInput(
    [property: Range(RunLimits.MinSubWorkflows, RunLimits.MaxSubWorkflows)] int SubWorkflows,
    [property: Range(RunLimits.MinStepsPerWorkflow, RunLimits.MaxStepsPerWorkflow)] int StepsPerWorkflow,
    StepDelayRange? StepDelayMs = null);

/// <summary>Each step waits a random delay in [Min, Max] milliseconds; null lets the executor choose.</summary>
public sealed record StepDelayRange(
    [property: Range(RunLimits.MinStepDelayMs, RunLimits.MaxStepDelayMs)] int Min,
    [property: Range(RunLimits.MinStepDelayMs, RunLimits.MaxStepDelayMs)] int Max);

/// <summary>
/// The body of <c>POST /runs</c> as the OpenAPI document describes it (<see cref="Validation.RunRequestBody"/>
/// reads it): the demo run's input; optionally how long the run may take (past <paramref name="TimeoutSeconds"/>
/// it ends CANCELLED with its sub-workflows) and where and when it is claimed (<see cref="RunPlacement"/>).
/// </summary>
public sealed record StartRunBody(
    [property: Range(RunLimits.MinSubWorkflows, RunLimits.MaxSubWorkflows)] int SubWorkflows,
    [property: Range(RunLimits.MinStepsPerWorkflow, RunLimits.MaxStepsPerWorkflow)] int StepsPerWorkflow,
    StepDelayRange? StepDelayMs = null,
    [property: Range(RunLimits.MinTimeoutSeconds, RunLimits.MaxTimeoutSeconds)] int? TimeoutSeconds = null,
    [property: StringLength(RunLimits.MaxQueueNameLength, MinimumLength = 1), RegularExpression("^[A-Za-z0-9._:-]+$")] string? Queue = null,
    [property: StringLength(RunLimits.MaxPartitionKeyLength, MinimumLength = 1)] string? PartitionKey = null,
    DateTimeOffset? NotBefore = null,
    [property: Range(RunLimits.MinPriority, RunLimits.MaxPriority)] int? Priority = null,
    [property: StringLength(Workflows.ApplicationVersion.MaxLength, MinimumLength = 1), RegularExpression(Workflows.ApplicationVersion.Pattern)]
    string? ApplicationVersion = null);

/// <summary>A run to start: the workflow's input and its deadline, if any.</summary>
public sealed record RunRequest(DemoRunInput Input, TimeSpan? Timeout);
