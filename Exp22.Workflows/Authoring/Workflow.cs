namespace Exp22.Workflows;

/// <summary>
/// A durable workflow. <see cref="RunAsync"/> may run several times for one workflow (after a
/// handover, a crash, or while waiting for children): everything with an effect belongs in a step
/// (<see cref="WorkflowContext.RunStepAsync{T}"/>), and the code around steps must take the same path
/// on every run, so that replay finds each step's checkpoint at the same position.
/// </summary>
public abstract class Workflow<TInput, TOutput>
{
    public abstract Task<TOutput> RunAsync(WorkflowContext context, TInput input);
}

/// <summary>The stable name a workflow is stored and claimed under; defaults to the class name.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WorkflowNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
