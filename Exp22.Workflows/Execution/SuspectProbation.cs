namespace Exp22.Workflows.Execution;

/// <summary>
/// A suspect is a workflow recovered after its executor died, with no progress since: it may be what
/// killed that executor. Claimed in one batch with the rest, a poison workflow would kill its batch-mates
/// again and again (they come back together, in creation order) until the cap ends them too. So an
/// executor keeps at most one suspect on probation at a time, and claims no other suspect until it has
/// proved itself: its first new checkpoint, the end of its execution, or <see cref="Limit"/> of running.
/// A poison then dies alone or beside fresh work, which it sets back by one recovery at most.
/// </summary>
internal sealed class SuspectProbation(TimeProvider time)
{
    // Long enough for a poison that strikes at once (the usual kind: it dies where it died before) to
    // strike; short enough that suspects with long first steps do not queue behind each other for long.
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private InFlightWorkflow? _suspect;
    private long _admittedAt;

    public static bool IsSuspect(ClaimedWorkflow workflow) => workflow.Recoveries.WithoutProgress > 0;

    /// <summary>How many suspects the next claim may take: 1 once no suspect is on probation, else 0.</summary>
    public int SuspectsToClaim
    {
        get
        {
            if (_suspect is { } suspect
                && !suspect.Execution.IsCompleted
                && suspect.Progress.CheckpointsWritten == 0
                && time.GetElapsedTime(_admittedAt) < Limit)
            {
                return 0;
            }

            _suspect = null;
            return 1;
        }
    }

    public void Admit(InFlightWorkflow flight)
    {
        _suspect = flight;
        _admittedAt = time.GetTimestamp();
    }
}
