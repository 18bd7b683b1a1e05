namespace Exp22.Workflows;

/// <summary>A message a workflow received; a receive that timed out returns null instead.</summary>
public sealed record WorkflowMessage<T>(T Value);
