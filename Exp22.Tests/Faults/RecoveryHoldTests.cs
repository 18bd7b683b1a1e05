using Exp22.Workflows.Execution;
using Microsoft.Extensions.Time.Testing;

namespace Exp22.Tests.Faults;

/// <summary>When an executor's heartbeat may re-enqueue the work of executors that went silent.</summary>
public sealed class RecoveryHoldTests
{
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public void An_executor_whose_beats_never_failed_recovers_at_once()
    {
        var hold = new RecoveryHold(new FakeTimeProvider(), HeartbeatTimeout);

        Assert.True(hold.MayRecover);
        Assert.Null(hold.BeatSucceeded());
        Assert.True(hold.MayRecover);
    }

    [Fact]
    public void After_its_own_beats_failed_it_recovers_only_a_heartbeat_timeout_after_they_work_again()
    {
        var clock = new FakeTimeProvider();
        var hold = new RecoveryHold(clock, HeartbeatTimeout);

        Assert.True(hold.BeatFailed());
        clock.Advance(TimeSpan.FromSeconds(8));
        Assert.False(hold.BeatFailed());
        Assert.False(hold.MayRecover);

        Assert.Equal(TimeSpan.FromSeconds(8), hold.BeatSucceeded());
        Assert.False(hold.MayRecover);
        clock.Advance(HeartbeatTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Null(hold.BeatSucceeded());
        Assert.False(hold.MayRecover);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(hold.MayRecover);
    }

    [Fact]
    public void A_failure_during_the_hold_starts_it_over()
    {
        var clock = new FakeTimeProvider();
        var hold = new RecoveryHold(clock, HeartbeatTimeout);
        hold.BeatFailed();
        hold.BeatSucceeded();
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.True(hold.BeatFailed());
        hold.BeatSucceeded();
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(hold.MayRecover);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(hold.MayRecover);
    }
}
