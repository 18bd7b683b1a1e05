using Exp22.Workflows.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Exp22.Workflows.Execution;

/// <summary>
/// The workflow side of messages and events: taking the next message of a topic and publishing an
/// event, each in one statement with its checkpoint and fenced by the claim, so that a message is
/// consumed exactly when its receive is recorded.
/// </summary>
internal sealed class MessageStatements(NpgsqlDataSource dataSource)
{
    // The workflow row, locked FOR SHARE while the fence holds (no row when it does not): each statement
    // below writes only from it, so a refused fence writes nothing.
    private const string FenceCte = $$"""
        WITH fence AS (
            SELECT w.id, w.executor_id, w.attempt
            FROM {{Sql.Schema}}.workflows w
            WHERE w.id = @workflow_id AND {{ClaimFence.Holds}}
            FOR SHARE),
        """;

    // The oldest unconsumed message of the topic is marked consumed and becomes the receive's checkpoint
    // in the same statement; with no message (or a fence that no longer holds) nothing is written.
    // SKIP LOCKED is not wanted: only this workflow's owner consumes its messages.
    private const string ConsumeSql = $$"""
        {{FenceCte}}
        next AS (
            SELECT m.id, m.payload
            FROM {{Sql.Schema}}.messages m
            WHERE m.workflow_id = @workflow_id
              AND m.topic = @topic
              AND m.consumed_seq IS NULL
              AND EXISTS (SELECT 1 FROM fence)
            ORDER BY m.id
            LIMIT 1
            FOR UPDATE),
        consumed AS (
            UPDATE {{Sql.Schema}}.messages m
            SET consumed_seq = @seq
            FROM next
            WHERE m.id = next.id
            RETURNING m.payload)
        INSERT INTO {{Sql.Schema}}.steps (workflow_id, seq, name, output, executor_id, attempt, tries, started_at, completed_at)
        SELECT fence.id, @seq, @name, consumed.payload, fence.executor_id, fence.attempt, 1, @started_at, now()
        FROM fence, consumed
        RETURNING output::text
        """;

    // The notification goes out when the transaction commits, so a reader it wakes sees the value.
    private const string SetEventSql = $$"""
        {{FenceCte}}
        published AS (
            INSERT INTO {{Sql.Schema}}.workflow_events (workflow_id, key, value)
            SELECT id, @key, @value FROM fence
            ON CONFLICT (workflow_id, key) DO UPDATE SET value = excluded.value, updated_at = now()),
        notified AS (
            SELECT pg_notify(@channel, id::text) FROM fence)
        INSERT INTO {{Sql.Schema}}.steps (workflow_id, seq, name, output, executor_id, attempt, tries, started_at, completed_at)
        SELECT fence.id, @seq, @name, @value, fence.executor_id, fence.attempt, 1, @started_at, now()
        FROM fence, notified
        """;

    /// <returns>The message taken (its JSON), or null when the topic has none or the fence refused.</returns>
    public async Task<string?> TryConsumeAsync(
        ClaimedWorkflow workflow, int seq, string name, string topic, DateTimeOffset startedAt,
        CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(ConsumeSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        AddFence(command, workflow);
        command.Parameters.Add(new NpgsqlParameter("topic", topic));
        command.Parameters.Add(new NpgsqlParameter("seq", seq));
        command.Parameters.Add(new NpgsqlParameter("name", name));
        command.Parameters.Add(new NpgsqlParameter("started_at", startedAt));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <returns>false when the fence refused the write.</returns>
    public async Task<bool> SetEventAsync(
        ClaimedWorkflow workflow, int seq, string name, string key, string valueJson, DateTimeOffset startedAt,
        CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(SetEventSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        AddFence(command, workflow);
        command.Parameters.Add(new NpgsqlParameter("key", key));
        command.Parameters.Add(new NpgsqlParameter("value", NpgsqlDbType.Jsonb) { Value = valueJson });
        command.Parameters.Add(new NpgsqlParameter("seq", seq));
        command.Parameters.Add(new NpgsqlParameter("name", name));
        command.Parameters.Add(new NpgsqlParameter("started_at", startedAt));
        command.Parameters.Add(new NpgsqlParameter("channel", Notifications.EventSet));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static void AddFence(NpgsqlCommand command, ClaimedWorkflow workflow)
    {
        command.Parameters.Add(new NpgsqlParameter("workflow_id", workflow.Id));
        ClaimFence.AddParameters(command.Parameters, workflow);
    }
}
