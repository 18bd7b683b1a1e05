namespace Exp22.Workflows.Execution;

/// <summary>Live progress of one in-flight workflow, read by the executor's status endpoint.</summary>
internal sealed class WorkflowProgress
{
    private int _stepsDone;
    private volatile string? _currentStep;

    public int StepsDone => Volatile.Read(ref _stepsDone);

    public string? CurrentStep => _currentStep;

    public void StepStarted(string name) => _currentStep = name;

    public void StepReplayed() => Interlocked.Increment(ref _stepsDone);

    public void StepCompleted()
    {
        Interlocked.Increment(ref _stepsDone);
        _currentStep = null;
    }
}
