namespace Exp22.Workflows;

/// <summary>A child workflow started durably by its parent; awaiting it frees the parent's slot.</summary>
public sealed class ChildWorkflow<TOutput>
{
    private readonly WorkflowContext _parent;

    internal ChildWorkflow(WorkflowContext parent, Guid id, int seq, string workflowName)
    {
        _parent = parent;
        Id = id;
        Seq = seq;
        WorkflowName = workflowName;
    }

    public Guid Id { get; }

    public string WorkflowName { get; }

    internal int Seq { get; }

    public async Task<TOutput> GetResultAsync() => (await _parent.WhenAllAsync([this]).ConfigureAwait(false))[0];
}

public sealed record ChildWorkflowOptions(string? Queue = null, int Priority = 0);
