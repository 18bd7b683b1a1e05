using System.Diagnostics;
using Exp22.Tests.Engine;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Xunit.Abstractions;

namespace Exp22.Tests.Processes;

/// <summary>
/// A durable sleep spanning an executor's SIGTERM, on real executor processes: the demo order is approved,
/// sleeps before shipping, and the executor that parked it is terminated during the sleep.
/// </summary>
public sealed partial class ExecutorProcessTests(ITestOutputHelper output)
{
    private const int ShipAfterSeconds = 6;

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_sleep_spanning_a_sigterm_does_not_hold_the_drain_and_the_other_executor_wakes_it_once_on_time()
    {
        // The drain's budget (completion timeout 10 s) is longer than the rest of the sleep: a drain that
        // waited for the sleeper would take that rest.
        await using var fleet = await Fleet.StartAsync();
        var client = fleet.Client;
        var input = $$"""{"orderId": "sleepy", "approvalTimeoutSeconds": 600, "shipAfterSeconds": {{ShipAfterSeconds}}}""";
        var runId = (await client.EnqueueAsync(new EnqueueRequest("demo-order", input), CancellationToken.None)).RunId;
        Assert.Equal(SendOutcome.Sent, await client.SendAsync(runId, "approve", new { approvedBy = "ops" }));

        // SIGTERM as soon as the sleep is checkpointed: a sleep waited out in flight would hold the drain.
        WorkflowNode parked = null!;
        await Eventually.TrueAsync(async () =>
        {
            parked = (await client.GetRunAsync(runId, CancellationToken.None))!;
            return parked.Steps.Any(s => s.Name == "exp22.sleep");
        }, TimeSpan.FromSeconds(30), "the order to start its sleep");
        var sleep = parked.Steps.Single(s => s.Name == "exp22.sleep");
        var holder = sleep.ExecutorId == fleet.One.Name ? fleet.One : fleet.Two;
        var other = holder == fleet.One ? fleet.Two : fleet.One;

        var drain = Stopwatch.StartNew();
        holder.Terminate();
        var exitCode = await holder.WaitForExitAsync(TimeSpan.FromSeconds(30));
        drain.Stop();
        var run = await client.UntilFinishedAsync(runId, TimeSpan.FromSeconds(30));

        var wakeAt = sleep.Output!.Value.GetDateTimeOffset();
        var ship = run.Steps.Single(s => s.Name == "ship");
        output.WriteLine($"exit {exitCode} {drain.ElapsedMilliseconds} ms after SIGTERM (sleep {(wakeAt - sleep.StartedAt).TotalSeconds:0.0} s); " +
                         $"ship started {(ship.StartedAt - wakeAt).TotalMilliseconds:0} ms after the wake-up time");
        Assert.Equal(0, exitCode);
        Assert.True(drain.Elapsed < TimeSpan.FromSeconds(3), $"the drain took {drain.Elapsed}: it waited for the sleeper");
        Assert.Contains(holder.Lines, l => l.Contains("Drain complete"));
        Assert.Equal(WorkflowStatus.Success, run.Status);
        Assert.Equal("shipped", run.Output!.Value.GetProperty("status").GetString());

        // Everything up to and including the sleep was checkpointed before the SIGTERM and never written again.
        Assert.Equal(parked.Steps.Select(Checkpoint), run.Steps.Take(parked.Steps.Count).Select(Checkpoint));
        Assert.Single(run.Steps, s => s.Name == "exp22.sleep");
        Assert.Equal(other.Name, ship.ExecutorId);
        Assert.Equal(1, ship.Tries);
        // Not before the checkpointed time; then within the other executor's polling interval (1 s), with
        // room for a loaded machine. Sleeping a second time would start it a whole sleep later.
        Assert.True(ship.StartedAt >= wakeAt, $"shipped at {ship.StartedAt:O}, before the wake-up time {wakeAt:O}");
        Assert.True(ship.StartedAt - wakeAt < TimeSpan.FromSeconds(2.5), $"shipped {ship.StartedAt - wakeAt} after the wake-up time");
    }

    private static (int, string, string, int, int, string?, DateTimeOffset, DateTimeOffset) Checkpoint(StepNode step) =>
        (step.Index, step.Name, step.ExecutorId, step.Attempt, step.Tries, step.Output?.GetRawText(), step.StartedAt, step.CompletedAt);
}
