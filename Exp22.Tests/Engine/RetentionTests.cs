using System.Diagnostics.Metrics;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Retention;
using Exp22.Workflows.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Engine;

public sealed class RetentionTests
{
    [Fact]
    public async Task Runs_finished_before_the_period_go_whole_in_small_batches_and_the_rest_stay()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var engine = await EngineHost.StartAsync(database, new ExecutionLog());
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        var old = new List<Guid>();
        for (var i = 0; i < 5; i++)
            old.Add((await engine.Client.EnqueueAsync<FanOutWorkflow, FanOutInput, int[]>(new FanOutInput(2, new StepsInput(1)))).RunId);
        var recent = (await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(2))).RunId;
        foreach (var run in old.Append(recent))
            await engine.Client.UntilFinishedAsync(run);
        var unfinished = (await engine.Client.EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1), queue: "nobody-claims")).RunId;

        await using (var age = dataSource.CreateCommand(
            "UPDATE exp22.workflows SET completed_at = now() - interval '8 days', created_at = now() - interval '8 days' WHERE run_id = ANY (@old) OR id = @unfinished"))
        {
            age.Parameters.Add(new NpgsqlParameter("old", old.ToArray()));
            age.Parameters.Add(new NpgsqlParameter("unfinished", unfinished));
            await age.ExecuteNonQueryAsync();
        }

        long measured = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WorkflowTelemetry.Name && instrument.Name == "exp22.workflows.retention.deleted")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref measured, value));
        listener.Start();

        var (runs, workflows) = await new RetentionSweep(dataSource).SweepAsync(TimeSpan.FromDays(7), 2, CancellationToken.None);

        Assert.Equal((5, 15), (runs, workflows));
        Assert.Equal(15, Interlocked.Read(ref measured));
        foreach (var run in old)
            Assert.Null(await engine.Client.GetRunAsync(run, CancellationToken.None));
        Assert.NotNull(await engine.Client.GetRunAsync(recent, CancellationToken.None));
        Assert.NotNull(await engine.Client.GetRunAsync(unfinished, CancellationToken.None));
        await using var steps = dataSource.CreateCommand("SELECT count(*)::int FROM exp22.steps s JOIN exp22.workflows w ON w.id = s.workflow_id");
        Assert.Equal(2, (int)(await steps.ExecuteScalarAsync())!);
        await using var orphans = dataSource.CreateCommand("SELECT count(*)::int FROM exp22.steps");
        Assert.Equal(2, (int)(await orphans.ExecuteScalarAsync())!);
    }
}
