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
