using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Tests.Engine;

public sealed class DelayedWorkTests
{
    [Fact]
    public async Task A_delayed_run_is_not_claimed_before_its_time_while_others_run_at_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog());
        var input = WorkflowJson.Serialize(new StepsInput(1));

        var delayed = await engine.Client.EnqueueAsync(
            new EnqueueRequest("steps", input, Delay: TimeSpan.FromSeconds(2)), CancellationToken.None);
        var later = await engine.Client.EnqueueAsync(
            new EnqueueRequest("steps", input, NotBefore: DateTimeOffset.UtcNow.AddSeconds(2)), CancellationToken.None);
        var due = await engine.Client.EnqueueAsync(
            new EnqueueRequest("steps", input, NotBefore: DateTimeOffset.UtcNow.AddHours(-1)), CancellationToken.None);

        var dueRun = await engine.Client.UntilFinishedAsync(due.RunId);
        Assert.Equal(WorkflowStatus.Success, dueRun.Status);
        Assert.Equal(WorkflowStatus.Enqueued, (await engine.Client.GetRunAsync(delayed.RunId, CancellationToken.None))!.Status);

        var delayedRun = await engine.Client.UntilFinishedAsync(delayed.RunId);
        var laterRun = await engine.Client.UntilFinishedAsync(later.RunId);
        Assert.True(delayedRun.StartedAt - delayed.CreatedAt >= TimeSpan.FromSeconds(2), $"started after {delayedRun.StartedAt - delayed.CreatedAt}");
        Assert.True(laterRun.StartedAt - later.CreatedAt >= TimeSpan.FromSeconds(1.5), $"started after {laterRun.StartedAt - later.CreatedAt}");
        Assert.True(dueRun.StartedAt - due.CreatedAt < TimeSpan.FromSeconds(1.5));
    }
}
