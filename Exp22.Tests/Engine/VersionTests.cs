using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Exp22.Workflows.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.Engine;

/// <summary>
/// Version-aware claiming, judged from the rows: every step checkpoint and every attempt's executor must
/// belong to the workflow's version, however the work moved (claims, drains, recoveries).
/// </summary>
public sealed class VersionTests
{
    private const string V1 = "1.0.0+aaaa";
    private const string V2 = "2.0.0+bbbb";

    private static Task<EngineHost> StartAsync(string database, ExecutionLog log, string version, bool executor = true) =>
        EngineHost.StartAsync(database, log, executor, s => s["Workflows:ApplicationVersion"] = version);

    private static Task<EnqueuedRun> EnqueueAsync(EngineHost host, StepsInput input, string? version = null) =>
        host.Client.EnqueueAsync(new EnqueueRequest(WorkflowNames.Of<StepsWorkflow>(), WorkflowJson.Serialize(input),
            ApplicationVersion: version), CancellationToken.None);

    private static async Task<T> ScalarAsync<T>(string database, string sql, object? value = null)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (value is not null)
            command.Parameters.Add(new NpgsqlParameter("value", value));
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static Task<string> VersionOfAsync(string database, Guid workflow) =>
        ScalarAsync<string>(database, "SELECT application_version FROM exp22.workflows WHERE id = @value", workflow);

    /// <summary>Checkpoints, attempts' interruptions and last claims made by an executor of another version than the workflow's.</summary>
    private static Task<int> CrossVersionWorkAsync(string database) => ScalarAsync<int>(database, """
        SELECT ((SELECT count(*) FROM exp22.steps s
                 JOIN exp22.workflows w ON w.id = s.workflow_id
                 JOIN exp22.executors e ON e.id = s.executor_id
                 WHERE e.application_version IS DISTINCT FROM w.application_version)
              + (SELECT count(*) FROM exp22.workflows w
                 JOIN exp22.executors e ON e.id = w.executor_id
                 WHERE e.application_version IS DISTINCT FROM w.application_version))::int
        """);

    private static async Task<VersionView> VersionAsync(EngineHost host, string version) =>
        (await host.Services.GetRequiredService<WorkflowMonitor>().ListVersionsAsync(CancellationToken.None))
            .Versions.Single(v => v.ApplicationVersion == version);

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Two_versions_live_at_once_each_run_only_their_own_versions_workflows()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var v1a = await StartAsync(database, log, V1);
        await using var v1b = await StartAsync(database, log, V1);
        await using var v2a = await StartAsync(database, log, V2);
        await using var v2b = await StartAsync(database, log, V2);

        // The latest version is the most recently started live executor's: v2b started last.
        var unpinned = await EnqueueAsync(v1a, new StepsInput(2));
        Assert.Equal(V2, unpinned.ApplicationVersion);

        var runs = new List<Guid> { unpinned.RunId };
        for (var i = 0; i < 150; i++)
        {
            runs.Add((await EnqueueAsync(v1a, new StepsInput(2), V1)).RunId);
            runs.Add((await EnqueueAsync(v2a, new StepsInput(2), V2)).RunId);
        }

        // Children inherit their parent's version, whichever executor started them.
        for (var i = 0; i < 10; i++)
        {
            foreach (var version in new[] { V1, V2 })
            {
                runs.Add((await v1a.Client.EnqueueAsync(new EnqueueRequest(WorkflowNames.Of<FanOutWorkflow>(),
                    WorkflowJson.Serialize(new FanOutInput(3, new StepsInput(1))), ApplicationVersion: version),
                    CancellationToken.None)).RunId);
            }
        }

        foreach (var run in runs)
            Assert.Equal(WorkflowStatus.Success, (await v1a.Client.UntilFinishedAsync(run, TimeSpan.FromSeconds(90))).Status);

        Assert.Equal(0, await CrossVersionWorkAsync(database));
        Assert.Equal(0, await ScalarAsync<int>(database, """
            SELECT count(*)::int FROM exp22.workflows c JOIN exp22.workflows p ON p.id = c.parent_id
            WHERE c.application_version IS DISTINCT FROM p.application_version
            """));
        Assert.Equal(60, await ScalarAsync<int>(database, "SELECT count(*)::int FROM exp22.workflows WHERE parent_id IS NOT NULL"));
        Assert.Equal(150 + 10 * 4, await ScalarAsync<int>(database, "SELECT count(*)::int FROM exp22.workflows WHERE application_version = @value", V1));
        Assert.Contains(log.Executors, e => e == v1a.Executor.ExecutorId || e == v1b.Executor.ExecutorId);
        Assert.Contains(log.Executors, e => e == v2a.Executor.ExecutorId || e == v2b.Executor.ExecutorId);
    }

    [Fact]
    public async Task A_drain_of_a_v1_executor_hands_over_to_the_other_v1_executor_never_to_v2()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var draining = await StartAsync(database, log, V1);
        await using var v2 = await StartAsync(database, log, V2);
        var runs = new List<Guid>();
        for (var i = 0; i < 6; i++)
            runs.Add((await EnqueueAsync(v2, new StepsInput(3, GateBeforeStep: 1), V1)).RunId);
        await Eventually.TrueAsync(() => runs.All(r => log.StepRuns(r, 1) == 1), TimeSpan.FromSeconds(10), "every run to reach its gate");

        await using var heir = await StartAsync(database, log, V1);
        await draining.StopAsync();
        await Eventually.TrueAsync(() => runs.All(r => log.StepRuns(r, 1) == 2), TimeSpan.FromSeconds(10), "the heir to resume every run");
        foreach (var run in runs)
            log.Open(run.ToString());

        foreach (var run in runs)
        {
            var tree = await v2.Client.UntilFinishedAsync(run);
            Assert.Equal(WorkflowStatus.Success, tree.Status);
            Assert.Equal(heir.Executor.ExecutorId, tree.ExecutorId);
            Assert.Equal(2, tree.Attempt);
        }

        await draining.DisposeAsync();
        Assert.DoesNotContain(v2.Executor.ExecutorId, log.Executors);
        Assert.Equal(6, await ScalarAsync<int>(database, """
            SELECT count(*)::int FROM exp22.workflow_interruptions WHERE reason = 'handover' AND executor_id = @value
            """, draining.Executor.ExecutorId));
        Assert.Equal(0, await CrossVersionWorkAsync(database));
    }

    [Fact]
    public async Task Without_a_live_v1_executor_v1_work_stays_queued_and_is_reported_stranded()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var v2 = await StartAsync(database, log, V2);
        var runs = new List<Guid>();
        for (var i = 0; i < 5; i++)
            runs.Add((await EnqueueAsync(v2, new StepsInput(1), V1)).RunId);

        await Task.Delay(TimeSpan.FromSeconds(2)); // eight polling intervals of the v2 executor
        var stranded = await VersionAsync(v2, V1);
        Assert.True(stranded.Stranded);
        Assert.Equal(5, stranded.Queued);
        Assert.Empty(stranded.Executors);
        Assert.Equal(0, await ScalarAsync<int>(database, "SELECT count(*)::int FROM exp22.workflows WHERE status <> 'ENQUEUED'"));
        var live = await VersionAsync(v2, V2);
        Assert.False(live.Stranded);
        Assert.True(live.Latest);
        Assert.Equal([v2.Executor.ExecutorId], live.Executors);

        await using var v1 = await StartAsync(database, log, V1);
        foreach (var run in runs)
            Assert.Equal(v1.Executor.ExecutorId, (await v2.Client.UntilFinishedAsync(run)).ExecutorId);
        Assert.DoesNotContain(v2.Executor.ExecutorId, log.Executors);
        var done = (await v2.Services.GetRequiredService<WorkflowMonitor>().ListVersionsAsync(CancellationToken.None))
            .Versions.Single(v => v.ApplicationVersion == V1);
        Assert.False(done.Stranded);
        Assert.Equal(0, done.Queued + done.Running);
    }

    [Fact]
    public async Task Recovery_of_a_dead_v1_executors_work_is_taken_only_by_v1()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        var doomed = await StartAsync(database, log, V1);
        await using var v2 = await StartAsync(database, log, V2);
        var run = (await EnqueueAsync(v2, new StepsInput(3, GateBeforeStep: 1), V1)).RunId;
        await Eventually.TrueAsync(() => log.StepRuns(run, 1) == 1, TimeSpan.FromSeconds(10), "step 1 to start");
        await doomed.AbandonAsync();

        await Task.Delay(TimeSpan.FromSeconds(4)); // over two heartbeat timeouts of 1.5 s: v2 would have recovered it
        Assert.Equal(doomed.Executor.ExecutorId, await ScalarAsync<string>(database, "SELECT executor_id FROM exp22.workflows WHERE id = @value", run));
        var waiting = await VersionAsync(v2, V1);
        Assert.True(waiting.Stranded);
        Assert.Equal(1, waiting.Running);

        await using var v1 = await StartAsync(database, log, V1);
        log.Open(run.ToString());
        var tree = await v2.Client.UntilFinishedAsync(run);
        await doomed.DisposeAsync();

        Assert.Equal(WorkflowStatus.Success, tree.Status);
        Assert.Equal(v1.Executor.ExecutorId, tree.ExecutorId);
        Assert.Equal(1, tree.Recoveries);
        Assert.Equal(1, log.StepRuns(run, 0));
        Assert.DoesNotContain(v2.Executor.ExecutorId, log.Executors);
        Assert.Equal(0, await CrossVersionWorkAsync(database));
    }

    [Fact]
    public async Task Work_enqueued_before_any_executor_registered_is_adopted_by_the_first_one()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var api = await StartAsync(database, log, V1, executor: false);
        var run = await EnqueueAsync(api, new StepsInput(1));
        Assert.Null(run.ApplicationVersion);

        await using var v2 = await StartAsync(database, log, V2);
        var tree = await api.Client.UntilFinishedAsync(run.RunId);
        Assert.Equal(v2.Executor.ExecutorId, tree.ExecutorId);
        Assert.Equal(V2, await VersionOfAsync(database, run.RunId));
        Assert.Equal(V2, (await EnqueueAsync(api, new StepsInput(1))).ApplicationVersion);
    }

    [Fact]
    public async Task A_resume_keeps_its_version_unless_one_is_named_and_a_fork_takes_the_latest()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var log = new ExecutionLog();
        await using var v1 = await StartAsync(database, log, V1);
        var failed = (await EnqueueAsync(v1, new StepsInput(2, FailAtStep: 1))).RunId;
        Assert.Equal(WorkflowStatus.Error, (await v1.Client.UntilFinishedAsync(failed)).Status);
        await using var v2 = await StartAsync(database, log, V2);

        var fork = await v2.Client.ForkAsync(failed, 1, CancellationToken.None);
        Assert.Equal(V2, await VersionOfAsync(database, fork!.RunId));
        Assert.Equal(ResumeOutcome.Resumed, await v2.Client.ResumeAsync(failed, CancellationToken.None));
        Assert.Equal(V1, await VersionOfAsync(database, failed));
        Assert.Equal(WorkflowStatus.Error, (await v2.Client.UntilFinishedAsync(failed)).Status);
        Assert.Equal(ResumeOutcome.Resumed, await v2.Client.ResumeAsync(failed, V2, CancellationToken.None));
        Assert.Equal(V2, await VersionOfAsync(database, failed));
        await Assert.ThrowsAsync<ArgumentException>(() => v2.Client.ResumeAsync(failed, "has spaces", CancellationToken.None));
    }
}
