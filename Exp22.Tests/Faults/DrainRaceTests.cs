using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.Faults;

/// <summary>
/// A drain hands work back and then cancels the local executions; some of them end on their own in
/// between (their next checkpoint is fenced). The drain must shrug that off: a drain that throws fails
/// the host's stop, and the process exits with an error instead of 0.
/// </summary>
public sealed class DrainRaceTests
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_drain_completes_while_the_workflows_it_hands_over_end_around_it()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        for (var round = 0; round < 5; round++)
        {
            await using var host = await EngineHost.StartAsync(database, log, configure: settings =>
            {
                settings["Workflows:Concurrency"] = "48";
                settings["Workflows:WorkflowCompletionTimeout"] = "00:00:00";
            });
            // Steps without delay: every execution is a stream of checkpoints, so each ends within a
            // round trip once the handover fences it.
            for (var i = 0; i < 48; i++)
                await host.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(100_000));
            var before = log.TotalStepRuns;
            await Eventually.TrueAsync(() => log.TotalStepRuns > before + 500, TimeSpan.FromSeconds(30), "the workflows to run steps");

            var stop = await Record.ExceptionAsync(host.StopAsync);

            Assert.Null(stop);
            Assert.Equal("stopped", host.Executor.State);
        }
    }
}
