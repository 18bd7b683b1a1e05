using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Tests.Telemetry;

/// <summary>The engine's Meter, read with a MeterListener while real executors work on a private PostgreSQL.</summary>
public sealed class EngineMetricsTests
{
    private static string UniqueQueue() => $"metrics-{Guid.NewGuid():N}";

    private static Task<EngineHost> StartOnQueueAsync(string database, ExecutionLog log, string queue) =>
        EngineHost.StartAsync(database, log, configure: settings => settings["Workflows:Queues:0"] = queue);

    private static EnqueueRequest Request(string workflow, object input, string queue) =>
        new(workflow, WorkflowJson.Serialize(input), queue);

    [Fact]
    public async Task Enqueues_claims_completions_failures_and_step_durations_are_counted_by_workflow_and_queue()
    {
        using var measurements = new EngineMeasurements();
        var database = await TestPostgres.CreateDatabaseAsync();
        var queue = UniqueQueue();
        var log = new ExecutionLog();
        await using var host = await StartOnQueueAsync(database, log, queue);

        var fanOut = await host.Client.EnqueueAsync(
            Request("fan-out", new FanOutInput(3, new StepsInput(2), BeforeSteps: 1), queue), CancellationToken.None);
        var failing = await host.Client.EnqueueAsync(Request("throws", "boom", queue), CancellationToken.None);
        Assert.Equal(WorkflowStatus.Success, (await host.Client.UntilFinishedAsync(fanOut.RunId)).Status);
        Assert.Equal(WorkflowStatus.Error, (await host.Client.UntilFinishedAsync(failing.RunId)).Status);

        const string Queue = "exp22.queue";
        Assert.Equal(1, measurements.Sum("exp22.workflows.enqueued", Queue, queue, "fan-out"));
        Assert.Equal(3, measurements.Sum("exp22.workflows.enqueued", Queue, queue, "steps"));
        Assert.Equal(1, measurements.Sum("exp22.workflows.enqueued", Queue, queue, "throws"));
        // The parent is claimed once to start its children and once more when the last one wakes it.
        Assert.Equal(2, measurements.Sum("exp22.workflows.claimed", Queue, queue, "fan-out"));
        Assert.Equal(3, measurements.Sum("exp22.workflows.claimed", Queue, queue, "steps"));
        Assert.Equal(1, measurements.Sum("exp22.workflows.completed", Queue, queue, "fan-out"));
        Assert.Equal(3, measurements.Sum("exp22.workflows.completed", Queue, queue, "steps"));
        Assert.Equal(0, measurements.Sum("exp22.workflows.completed", Queue, queue, "throws"));
        Assert.Equal(1, measurements.Sum("exp22.workflows.failed", Queue, queue, "throws"));

        // One duration per checkpointed step (1 before the fan-out, 2 in each child), none for replays.
        var steps = measurements.Of("exp22.workflows.step.duration", Queue, queue).ToList();
        Assert.Equal(7, steps.Count);
        Assert.All(steps, s => Assert.Equal("success", s.Tags["exp22.outcome"]));
        Assert.All(steps, s => Assert.InRange(s.Value, 0, 60));
        // Enqueue → start only for first claims: five workflows, not the parent's second claim.
        Assert.Equal(5, measurements.Of("exp22.workflows.start_latency", Queue, queue).Count());
    }

    [Fact]
    public async Task Gauges_report_in_flight_and_queue_depth_and_a_drain_counts_its_handover_and_duration()
    {
        using var measurements = new EngineMeasurements();
        var database = await TestPostgres.CreateDatabaseAsync();
        var queue = UniqueQueue();
        var log = new ExecutionLog();
        var draining = await StartOnQueueAsync(database, log, queue);
        var executorId = draining.Executor.ExecutorId;

        // Nothing here runs "unregistered": it waits on the queue. The gated step holds its slot.
        await draining.Client.EnqueueAsync(Request("unregistered", "{}", queue), CancellationToken.None);
        var held = await draining.Client.EnqueueAsync(Request("steps", new StepsInput(2, GateBeforeStep: 0), queue), CancellationToken.None);
        await Eventually.TrueAsync(() => log.StepRuns(held.RunId, 0) == 1, TimeSpan.FromSeconds(10), "the gated step to start");

        await Eventually.TrueAsync(() =>
        {
            measurements.Observe();
            var inFlight = measurements.Of("exp22.workflows.in_flight", "exp22.executor.id", executorId).LastOrDefault();
            var depth = measurements.Of("exp22.queue.depth", "exp22.executor.id", executorId)
                .LastOrDefault(m => Equals(m.Tags["exp22.queue"], queue));
            return Task.FromResult(inFlight?.Value == 1 && depth?.Value == 1);
        }, TimeSpan.FromSeconds(15), "in flight 1 and queue depth 1");

        // The gate stays shut: the drain's completion timeout (2 s) passes and the workflow is handed over.
        await draining.StopAsync();
        Assert.Equal(1, measurements.Sum("exp22.workflows.handed_over", "exp22.executor.id", executorId));
        var drain = Assert.Single(measurements.Of("exp22.executor.drain.duration", "exp22.executor.id", executorId));
        Assert.True(drain.Value >= 1.9, $"the drain waited its completion timeout, yet lasted {drain.Value} s");
        await draining.DisposeAsync();

        // A stopped executor leaves the gauges.
        var reported = measurements.Of("exp22.workflows.in_flight", "exp22.executor.id", executorId).Count();
        measurements.Observe();
        Assert.Equal(reported, measurements.Of("exp22.workflows.in_flight", "exp22.executor.id", executorId).Count());
    }

    [Fact]
    public async Task A_survivor_counts_the_workflows_it_recovers_from_a_silent_executor()
    {
        using var measurements = new EngineMeasurements();
        var database = await TestPostgres.CreateDatabaseAsync();
        var queue = UniqueQueue();
        var log = new ExecutionLog();
        var doomed = await StartOnQueueAsync(database, log, queue);
        var held = await doomed.Client.EnqueueAsync(Request("steps", new StepsInput(1, GateBeforeStep: 0), queue), CancellationToken.None);
        await Eventually.TrueAsync(() => log.StepRuns(held.RunId, 0) == 1, TimeSpan.FromSeconds(10), "the gated step to start");

        await doomed.AbandonAsync();
        await using var survivor = await StartOnQueueAsync(database, log, queue);
        log.Open(held.RunId.ToString());
        Assert.Equal(WorkflowStatus.Success, (await survivor.Client.UntilFinishedAsync(held.RunId)).Status);
        await doomed.DisposeAsync();

        Assert.Equal(1, measurements.Sum("exp22.workflows.recovered", "exp22.executor.id", survivor.Executor.ExecutorId));
        Assert.Equal(0, measurements.Sum("exp22.workflows.recovered", "exp22.executor.id", doomed.Executor.ExecutorId));
    }
}
