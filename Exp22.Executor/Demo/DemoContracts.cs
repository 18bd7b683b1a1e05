namespace Exp22.Executor.Demo;

/// <summary>The seed's run: <c>SubWorkflows</c> children of <c>StepsPerWorkflow</c> steps each.</summary>
public sealed record DemoRunInput(int SubWorkflows, int StepsPerWorkflow, StepDelayRange? StepDelayMs = null);

public sealed record StepDelayRange(int Min, int Max);

public sealed record DemoSubInput(Guid RunId, int Index, int Count, int Steps, StepDelayRange? StepDelayMs);

public sealed record DemoSubResult(int Index, int StepsRun, int TotalDelayMs);

public sealed record DemoRunResult(int SubWorkflows, int Steps, int TotalDelayMs);
