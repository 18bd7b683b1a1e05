using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Execution;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Engine;

/// <summary>
/// Drives the engine's write paths directly as two executors would: A claims, loses the workflow
/// (handover), B claims it; every write A then attempts must be refused and leave no trace.
/// </summary>
public sealed class FencingTests
{
    private sealed record Takeover(EngineHost Engine, ClaimedWorkflow Stale, ClaimedWorkflow Current);

    private static async Task<Takeover> TakeOverAsync()
    {
        var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog(), executor: false);
        var claims = new QueueClaims(engine.Services.GetRequiredService<NpgsqlDataSource>());
        var handover = new Handover(engine.Services.GetRequiredService<NpgsqlDataSource>());
        await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(3), applicationVersion: "1");

        var stale = Assert.Single(await claims.ClaimAsync("executor-a", "1", ["default"], ["steps"], 10, CancellationToken.None));
        Assert.Equal(1, await handover.HandOverAsync("executor-a", CancellationToken.None));
        var current = Assert.Single(await claims.ClaimAsync("executor-b", "1", ["default"], ["steps"], 10, CancellationToken.None));
        return new Takeover(engine, stale, current);
    }

    private static T Get<T>(EngineHost engine) where T : class =>
        ActivatorUtilities.CreateInstance<T>(engine.Services);

    [Fact]
    public async Task A_stale_executor_cannot_write_a_step_checkpoint()
    {
        var (engine, stale, current) = await TakeOverAsync();
        await using var _ = engine;
        var checkpoints = Get<StepCheckpoints>(engine);

        await Assert.ThrowsAsync<WorkflowFencedException>(() => checkpoints.SaveAsync(
            stale, 0, "step-0", "0", null, 1, DateTimeOffset.UtcNow, CancellationToken.None));
        await checkpoints.SaveAsync(current, 0, "step-0", "0", null, 1, DateTimeOffset.UtcNow, CancellationToken.None);

        var step = Assert.Single((await engine.Client.GetRunAsync(current.Id, CancellationToken.None))!.Steps);
        Assert.Equal("executor-b", step.ExecutorId);
        Assert.Equal(2, step.Attempt);
    }

    [Fact]
    public async Task A_stale_executor_cannot_finish_the_workflow()
    {
        var (engine, stale, current) = await TakeOverAsync();
        await using var _ = engine;
        var outcomes = Get<WorkflowOutcomes>(engine);

        await Assert.ThrowsAsync<WorkflowFencedException>(() => outcomes.SucceedAsync(stale, "1", CancellationToken.None));
        await Assert.ThrowsAsync<WorkflowFencedException>(() => outcomes.FailAsync(stale, new Failure("x", null), CancellationToken.None));
        await Assert.ThrowsAsync<WorkflowFencedException>(() => outcomes.ParkAsync(stale, [Guid.NewGuid()], CancellationToken.None));

        var run = await engine.Client.GetRunAsync(current.Id, CancellationToken.None);
        Assert.Equal(WorkflowStatus.Running, run!.Status);
        Assert.Equal("executor-b", run.ExecutorId);
        await outcomes.SucceedAsync(current, "3", CancellationToken.None);
        Assert.Equal(WorkflowStatus.Success, (await engine.Client.GetRunAsync(current.Id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_stale_executor_cannot_start_children()
    {
        var (engine, stale, _) = await TakeOverAsync();
        await using var __ = engine;
        var starts = Get<ChildWorkflowStarts>(engine);

        await Assert.ThrowsAsync<WorkflowFencedException>(() => starts.StartAsync(
            stale, "steps", "default", 0, [Guid.NewGuid()], [0], ["{\"steps\":1}"], CancellationToken.None));

        Assert.Empty((await engine.Client.GetRunAsync(stale.Id, CancellationToken.None))!.Children);
    }

    [Fact]
    public async Task A_cancelled_workflow_refuses_its_executor_writes()
    {
        var (engine, _, current) = await TakeOverAsync();
        await using var __ = engine;
        await engine.Client.CancelAsync(current.Id, CancellationToken.None);

        await Assert.ThrowsAsync<WorkflowFencedException>(() => Get<StepCheckpoints>(engine).SaveAsync(
            current, 0, "step-0", "0", null, 1, DateTimeOffset.UtcNow, CancellationToken.None));
        await Assert.ThrowsAsync<WorkflowFencedException>(() =>
            Get<WorkflowOutcomes>(engine).SucceedAsync(current, "1", CancellationToken.None));
        Assert.Equal(WorkflowStatus.Cancelled, (await engine.Client.GetRunAsync(current.Id, CancellationToken.None))!.Status);
    }
}
