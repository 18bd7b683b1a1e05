using Exp22.Workflows.Execution;
using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Monitoring;

/// <summary>Every registered executor, live ones first, judged alive or gone on the database's clock.</summary>
internal sealed class ExecutorReader(NpgsqlDataSource dataSource)
{
    // A row written before executors recorded their own timeout is judged by the default one.
    private static readonly TimeSpan DefaultHeartbeatTimeout = new WorkflowsOptions().HeartbeatTimeout;

    private const string ListSql = $$"""
        SELECT e.id, e.application_version, e.state, e.started_at, e.heartbeat_at,
               coalesce(e.heartbeat_timeout, @default_timeout), e.concurrency, coalesce(e.queues, '{}'),
               e.drain_started_at, e.drain_deadline, e.stopped_at, e.in_flight::text, e.in_flight_count,
               e.state <> {{Sql.ExecutorStopped}} AND e.heartbeat_at < now() - coalesce(e.heartbeat_timeout, @default_timeout) AS silent,
               (SELECT count(*) FROM {{Sql.Schema}}.workflows w WHERE w.status = {{Sql.Running}} AND w.executor_id = e.id)::int
        FROM {{Sql.Schema}}.executors e
        ORDER BY e.state = {{Sql.ExecutorStopped}} OR e.heartbeat_at < now() - coalesce(e.heartbeat_timeout, @default_timeout), e.id
        """;

    public async Task<FleetExecutors> ReadAsync(CancellationToken cancellationToken)
    {
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT now()"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ListSql) { Parameters = { new("default_timeout", DefaultHeartbeatTimeout) } });
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var now = reader.GetFieldValue<DateTimeOffset>(0);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var executors = new List<ExecutorView>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var stored = reader.GetString(2);
            var silent = reader.GetBoolean(13);
            var (state, goneBecause) = (stored, silent) switch
            {
                (ExecutorStates.Stopped, _) => (MonitoredExecutorStates.Gone, MonitoredExecutorStates.Left),
                (_, true) => (MonitoredExecutorStates.Gone, MonitoredExecutorStates.Silent),
                _ => (stored, (string?)null),
            };
            executors.Add(new ExecutorView(
                reader.GetString(0), reader.GetString(1), state, goneBecause,
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetFieldValue<TimeSpan>(5), reader.GetValueOrNull<int>(6),
                reader.GetFieldValue<string[]>(7),
                reader.GetValueOrNull<DateTimeOffset>(8), reader.GetValueOrNull<DateTimeOffset>(9), reader.GetValueOrNull<DateTimeOffset>(10),
                reader.GetInt32(14), reader.GetInt32(12),
                WorkflowJson.Deserialize<List<InFlightWorkflowStatus>>(reader.GetString(11))));
        }

        return new FleetExecutors(now, executors);
    }
}
