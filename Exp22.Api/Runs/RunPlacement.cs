using System.ComponentModel.DataAnnotations;
using Exp22.Workflows;

namespace Exp22.Api.Runs;

/// <summary>Where and when a run is claimed: the enqueue options of <c>POST /runs</c>, beside the demo input.</summary>
public sealed record RunPlacement(
    string Queue = WorkflowQueues.Default,
    int Priority = 0,
    string? PartitionKey = null,
    DateTimeOffset? NotBefore = null)
{
    public static RunPlacement Default { get; } = new();
}

/// <summary>The body of <c>POST /runs</c> as the OpenAPI document describes it; <see cref="Validation.RunRequestBody"/> reads it.</summary>
public sealed record StartRunBody(
    [property: Range(RunLimits.MinSubWorkflows, RunLimits.MaxSubWorkflows)] int SubWorkflows,
    [property: Range(RunLimits.MinStepsPerWorkflow, RunLimits.MaxStepsPerWorkflow)] int StepsPerWorkflow,
    StepDelayRange? StepDelayMs = null,
    [property: StringLength(RunLimits.MaxQueueNameLength, MinimumLength = 1), RegularExpression("^[A-Za-z0-9._:-]+$")] string? Queue = null,
    [property: StringLength(RunLimits.MaxPartitionKeyLength, MinimumLength = 1)] string? PartitionKey = null,
    DateTimeOffset? NotBefore = null,
    [property: Range(RunLimits.MinPriority, RunLimits.MaxPriority)] int? Priority = null);
