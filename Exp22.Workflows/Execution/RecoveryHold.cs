namespace Exp22.Workflows.Execution;

/// <summary>
/// Decides whether this executor's heartbeat may also recover the work of silent executors. Silence
/// means death only while the database works: when this executor's own beats failed too, the others
/// were most likely cut off by the same outage, so recovery waits until the database has worked for a
/// full heartbeat timeout, long enough for every live executor to beat again. A really dead executor's
/// work is recovered one heartbeat timeout later than usual; live executors' work is not run twice.
/// </summary>
internal sealed class RecoveryHold(TimeProvider time, TimeSpan heartbeatTimeout)
{
    private readonly Lock _gate = new();
    private long? _failingSince;
    private long _holdUntil;

    public bool MayRecover
    {
        get
        {
            lock (_gate)
                return _failingSince is null && time.GetTimestamp() >= _holdUntil;
        }
    }

    /// <returns>true when this failure is the first of an outage.</returns>
    public bool BeatFailed()
    {
        lock (_gate)
        {
            if (_failingSince is not null)
                return false;
            _failingSince = time.GetTimestamp();
            return true;
        }
    }

    /// <returns>How long the beats had been failing, when this success ends an outage; otherwise null.</returns>
    public TimeSpan? BeatSucceeded()
    {
        lock (_gate)
        {
            if (_failingSince is not { } since)
                return null;
            _failingSince = null;
            _holdUntil = time.GetTimestamp() + (long)(heartbeatTimeout.TotalSeconds * time.TimestampFrequency);
            return time.GetElapsedTime(since);
        }
    }
}
