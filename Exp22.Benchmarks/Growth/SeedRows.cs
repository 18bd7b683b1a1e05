using Npgsql;

namespace Exp22.Benchmarks.Growth;

/// <summary>
/// Rows written straight into the engine's tables with set-based SQL (generate_series), in the shapes the
/// engine leaves behind, so that a scenario can start with a month of history or an outage's backlog in
/// seconds instead of executing it. Foreign keys are not checked while filling (session_replication_role =
/// replica, which needs a superuser); the rows satisfy them by construction.
/// </summary>
public static class SeedRows
{
    private const int RunsPerStatement = 10_000;

    /// <summary>Workflows per seed-shaped run: the run and its 6 sub-workflows, each of 5 steps.</summary>
    public const int WorkflowsPerRun = 7;

    private const string FinishedRunsSql = """
        WITH runs AS (
            SELECT gen_random_uuid() AS id,
                   now() - interval '6 days' + (g + @offset) * interval '10 ms' AS at
            FROM generate_series(1, @runs) AS g),
        family AS (
            SELECT CASE WHEN c = 0 THEN r.id ELSE gen_random_uuid() END AS id, r.id AS run_id, c, r.at
            FROM runs r CROSS JOIN generate_series(0, 6) AS c),
        inserted AS (
            INSERT INTO exp22.workflows (id, run_id, parent_id, child_seq, name, queue, status, input, output,
                                         executor_id, attempt, application_version,
                                         created_at, started_at, claimed_at, completed_at)
            SELECT id, run_id, CASE WHEN c = 0 THEN NULL ELSE run_id END, nullif(c, 0),
                   CASE WHEN c = 0 THEN 'demo-run' ELSE 'demo-sub' END, 'default', 'SUCCESS',
                   CASE WHEN c = 0
                        THEN '{"subWorkflows":6,"stepsPerWorkflow":5,"stepDelayMs":{"min":0,"max":0}}'::jsonb
                        ELSE jsonb_build_object('runId', run_id, 'index', c, 'count', 6, 'steps', 5) END,
                   CASE WHEN c = 0
                        THEN '{"subWorkflows":6,"steps":30,"totalDelayMs":0}'::jsonb
                        ELSE jsonb_build_object('index', c, 'stepsRun', 5, 'totalDelayMs', 0) END,
                   'bench-history', 1, 'history', at, at, at, at + interval '40 ms'
            FROM family
            RETURNING id, parent_id, created_at)
        INSERT INTO exp22.steps (workflow_id, seq, name, output, executor_id, attempt, tries, started_at, completed_at)
        SELECT i.id, s, 'step-' || s, '0'::jsonb, 'bench-history', 1, 1,
               i.created_at + s * interval '5 ms', i.created_at + s * interval '5 ms' + interval '1 ms'
        FROM inserted i CROSS JOIN generate_series(1, 5) AS s
        WHERE i.parent_id IS NOT NULL
        """;

    private const string QueuedRunsSql = """
        INSERT INTO exp22.workflows (id, run_id, name, queue, priority, status, input, created_at, not_before, application_version)
        SELECT id, id, 'demo-run', 'default', 0, 'ENQUEUED',
               '{"subWorkflows":0,"stepsPerWorkflow":0,"stepDelayMs":{"min":0,"max":0}}'::jsonb,
               now() - interval '1 hour' + g * interval '1 ms', @not_before,
               (SELECT application_version FROM exp22.executors ORDER BY started_at DESC LIMIT 1)
        FROM (SELECT gen_random_uuid() AS id, g FROM generate_series(1, @runs) AS g) AS runs
        """;

    /// <summary>
    /// Adds <paramref name="runs"/> finished seed-shaped runs (7 workflows, 30 steps each), 10 ms apart from
    /// 6 days ago on: inside the default retention period (7 days), so the executors' retention sweep leaves them.
    /// </summary>
    public static async Task AddFinishedRunsAsync(NpgsqlDataSource dataSource, long alreadyAdded, long runs, Action<string> progress, CancellationToken ct)
    {
        for (long done = 0; done < runs; done += RunsPerStatement)
        {
            var chunk = (int)Math.Min(RunsPerStatement, runs - done);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SET session_replication_role = replica"),
                    new NpgsqlBatchCommand(FinishedRunsSql)
                    {
                        Parameters = { new("offset", alreadyAdded + done), new("runs", chunk) },
                    },
                    new NpgsqlBatchCommand("SET session_replication_role = DEFAULT"),
                },
            };
            batch.Timeout = 0;
            await batch.ExecuteNonQueryAsync(ct);
            progress($"  {(alreadyAdded + done + chunk) * WorkflowsPerRun} finished workflows in the tables");
        }

        await VacuumAnalyzeAsync(dataSource, ct);
    }

    /// <summary>
    /// Adds <paramref name="runs"/> queued runs of no sub-workflows, created in the past hour, so that they
    /// come before anything enqueued now; with <paramref name="notBefore"/> they sleep until then. They are
    /// pinned to the version of the executors running (all of one version here), as an enqueue pins them.
    /// </summary>
    public static async Task AddQueuedRunsAsync(NpgsqlDataSource dataSource, long runs, DateTime? notBefore, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(QueuedRunsSql);
        command.CommandTimeout = 0;
        command.Parameters.Add(new NpgsqlParameter("runs", runs));
        command.Parameters.Add(new NpgsqlParameter<DateTime?>("not_before", NpgsqlTypes.NpgsqlDbType.TimestampTz) { TypedValue = notBefore });
        await command.ExecuteNonQueryAsync(ct);
        await VacuumAnalyzeAsync(dataSource, ct);
    }

    /// <summary>What autovacuum would have done to a month of history: statistics and the visibility map.</summary>
    private static async Task VacuumAnalyzeAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("VACUUM (ANALYZE) exp22.workflows, exp22.steps");
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct);
    }
}
