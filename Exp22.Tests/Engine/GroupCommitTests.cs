using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Execution;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Engine;

/// <summary>
/// Step checkpoints and final statuses of concurrent workflows share statements and commits (group
/// commit); each row must still be fenced by its own workflow's claim, and one bad row must not fail its
/// neighbours.
/// </summary>
public sealed class GroupCommitTests
{
    private const int Workflows = 20;

    private static async Task<(EngineHost Engine, List<ClaimedWorkflow> Claimed)> ClaimManyAsync()
    {
        var engine = await EngineHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new ExecutionLog(), executor: false);
        for (var i = 0; i < Workflows; i++)
            await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), applicationVersion: "1");
        var claims = new QueueClaims(engine.Services.GetRequiredService<NpgsqlDataSource>());
        var claimed = await claims.ClaimAsync("executor-a", "1", ["default"], ["steps"], Workflows, CancellationToken.None);
        Assert.Equal(Workflows, claimed.Count);
        return (engine, claimed);
    }

    private static Task SaveAsync(StepCheckpoints checkpoints, ClaimedWorkflow workflow) =>
        checkpoints.SaveAsync(workflow, 0, "step-0", "0", null, 1, DateTimeOffset.UtcNow, CancellationToken.None);

    private static async Task<List<DateTime>> CheckpointTimesAsync(EngineHost engine)
    {
        await using var command = engine.Services.GetRequiredService<NpgsqlDataSource>()
            .CreateCommand("SELECT completed_at FROM exp22.steps");
        var times = new List<DateTime>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            times.Add(reader.GetDateTime(0));
        return times;
    }

    [Fact]
    public async Task Concurrent_checkpoints_are_committed_together_and_a_cancelled_workflow_among_them_is_refused()
    {
        var (engine, claimed) = await ClaimManyAsync();
        await using var _ = engine;
        var cancelled = claimed[7];
        await engine.Client.CancelAsync(cancelled.Id, CancellationToken.None);
        await using var checkpoints = ActivatorUtilities.CreateInstance<StepCheckpoints>(engine.Services);

        var saves = claimed.Select(w => SaveAsync(checkpoints, w)).ToList();
        await Assert.ThrowsAsync<WorkflowFencedException>(() => saves[7]);
        await Task.WhenAll(saves.Where((_, i) => i != 7));

        var times = await CheckpointTimesAsync(engine);
        Assert.Equal(Workflows - 1, times.Count);
        // Rows committed by one statement share its transaction's now(): fewer instants than rows means
        // checkpoints of different workflows went to the database together.
        Assert.True(times.Distinct().Count() < times.Count, $"{times.Distinct().Count()} commits for {times.Count} checkpoints");
        Assert.Empty((await engine.Client.GetRunAsync(cancelled.Id, CancellationToken.None))!.Steps);
    }

    [Fact]
    public async Task A_row_the_database_rejects_fails_alone_and_its_neighbours_are_written()
    {
        var (engine, claimed) = await ClaimManyAsync();
        await using var _ = engine;
        await using var checkpoints = ActivatorUtilities.CreateInstance<StepCheckpoints>(engine.Services);
        await SaveAsync(checkpoints, claimed[0]);

        // The same position again violates the steps' primary key inside whichever batch it lands in.
        var saves = claimed.Select(w => SaveAsync(checkpoints, w)).ToList();
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => saves[0]);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        await Task.WhenAll(saves.Skip(1));

        Assert.Equal(Workflows, (await CheckpointTimesAsync(engine)).Count);
    }

    [Fact]
    public async Task Concurrent_finishes_are_fenced_one_by_one()
    {
        var (engine, claimed) = await ClaimManyAsync();
        await using var _ = engine;
        var cancelled = claimed[3];
        await engine.Client.CancelAsync(cancelled.Id, CancellationToken.None);
        await using var outcomes = ActivatorUtilities.CreateInstance<WorkflowOutcomes>(engine.Services);

        var finishes = claimed.Select(w => outcomes.SucceedAsync(w, "1", CancellationToken.None)).ToList();
        await Assert.ThrowsAsync<WorkflowFencedException>(() => finishes[3]);
        await Task.WhenAll(finishes.Where((_, i) => i != 3));

        foreach (var workflow in claimed)
        {
            var run = await engine.Client.GetRunAsync(workflow.Id, CancellationToken.None);
            Assert.Equal(workflow == cancelled ? WorkflowStatus.Cancelled : WorkflowStatus.Success, run!.Status);
        }
    }
}
