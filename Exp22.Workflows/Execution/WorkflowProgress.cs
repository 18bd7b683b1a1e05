namespace Exp22.Workflows.Execution;

/// <summary>Live progress of one in-flight workflow, read by the executor's status endpoint.</summary>
internal sealed class WorkflowProgress
{
    private int _stepsDone;
    private int _checkpointsWritten;
    private volatile string? _currentStep;

    public int StepsDone => Volatile.Read(ref _stepsDone);

    /// <summary>Steps this execution ran and checkpointed itself (replayed ones excluded): its own progress.</summary>
    public int CheckpointsWritten => Volatile.Read(ref _checkpointsWritten);

    public string? CurrentStep => _currentStep;

    public void StepStarted(string name) => _currentStep = name;

    public void StepReplayed() => Interlocked.Increment(ref _stepsDone);

    public void StepCompleted()
    {
        Interlocked.Increment(ref _stepsDone);
        Interlocked.Increment(ref _checkpointsWritten);
        _currentStep = null;
    }
}
