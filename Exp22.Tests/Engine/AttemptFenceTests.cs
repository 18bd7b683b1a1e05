using Exp22.Tests.Infrastructure;
using Exp22.Workflows.Execution;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Engine;

/// <summary>
/// The attempt in the claim fence (ClaimFence): an executor that restarts under the same id claims the
/// workflow again under a new attempt, and a write of its previous process's attempt must not land.
/// </summary>
public sealed class AttemptFenceTests
{
    [Fact]
    public async Task A_write_of_an_earlier_attempt_under_the_same_executor_id_is_refused()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog(), executor: false);
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        var claims = new QueueClaims(dataSource);
        var checkpoints = new CheckpointStatements(dataSource);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ct = timeout.Token;

        await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), applicationVersion: "1");
        var first = Assert.Single(await claims.ClaimAsync("executor-a", "1", ["default"], ["steps"], 1, ct));
        await using (var putBack = dataSource.CreateCommand("UPDATE exp22.workflows SET status = 'ENQUEUED', executor_id = NULL"))
            await putBack.ExecuteNonQueryAsync(ct);
        var second = Assert.Single(await claims.ClaimAsync("executor-a", "1", ["default"], ["steps"], 1, ct));
        Assert.Equal(first.Attempt + 1, second.Attempt);

        Assert.False(await checkpoints.WriteOneAsync(Checkpoint(first), ct));
        Assert.True(await checkpoints.WriteOneAsync(Checkpoint(second), ct));
    }

    private static PendingCheckpoint Checkpoint(ClaimedWorkflow workflow) =>
        new(workflow, 0, "step-1", "1", null, 1, DateTimeOffset.UtcNow, CancellationToken.None);
}
