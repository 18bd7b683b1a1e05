using Exp22.Workflows;

namespace Exp22.Api.Runs;

/// <summary>Where, when and by which application version a run is claimed: the enqueue options of <c>POST /runs</c>, beside the demo input.</summary>
public sealed record RunPlacement(
    string Queue = WorkflowQueues.Default,
    int Priority = 0,
    string? PartitionKey = null,
    DateTimeOffset? NotBefore = null,
    string? ApplicationVersion = null)
{
    public static RunPlacement Default { get; } = new();
}
