using System.Text.Json.Serialization;

namespace Exp22.Executor.Faults;

/// <summary>What a fault workflow does to the process that runs it, once its steps before the fault are done.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FaultKind>))]
public enum FaultKind
{
    /// <summary>Nothing: the workflow succeeds (a workflow only some executors know, nothing more).</summary>
    None,

    /// <summary><c>Environment.FailFast</c>: the runtime aborts the process (SIGABRT) without unwinding.</summary>
    FailFast,

    /// <summary>Unbounded recursion: a stack overflow, which .NET cannot catch; the process aborts.</summary>
    StackOverflow,

    /// <summary>
    /// Blocks every thread-pool thread for good, as a sync-over-async deadlock does: the process stays
    /// alive but answers nothing (health, heartbeats, its database connections) until a supervisor kills it.
    /// </summary>
    Hang,
}

/// <param name="StepsBefore">Checkpointed steps run before the fault: later attempts replay them, never rerun them.</param>
public sealed record FaultInput(FaultKind Fault, int StepsBefore = 1);

public sealed record FaultResult(int Steps);
