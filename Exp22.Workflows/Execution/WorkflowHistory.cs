using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Execution;

internal sealed record RecordedStep(string Name, string? Output, string? Error);

internal sealed record RecordedChild(Guid Id, string Name, string Status, string? Output, string? Error);

/// <summary>
/// What earlier executions of a workflow left behind: step checkpoints and started children, by
/// position. Replay answers from here instead of running the code again.
/// </summary>
internal sealed class WorkflowHistory
{
    private readonly Dictionary<int, RecordedStep> _steps;
    private readonly Dictionary<int, RecordedChild> _children;

    private WorkflowHistory(Dictionary<int, RecordedStep> steps, Dictionary<int, RecordedChild> children)
    {
        _steps = steps;
        _children = children;
    }

    public static WorkflowHistory Empty() => new([], []);

    public bool TryGetStep(int seq, out RecordedStep step) => _steps.TryGetValue(seq, out step!);

    public bool TryGetChild(int seq, out RecordedChild child) => _children.TryGetValue(seq, out child!);

    public void RecordChild(int seq, RecordedChild child) => _children[seq] = child;

    public static async Task<WorkflowHistory> LoadAsync(
        NpgsqlDataSource dataSource, Guid workflowId, CancellationToken cancellationToken)
    {
        var batch = dataSource.CreateBatch();
        await using var batchDisposal = batch.ConfigureAwait(false);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $$"""
            SELECT seq, name, output::text, error
            FROM {{Sql.Schema}}.steps
            WHERE workflow_id = @workflow_id
            """) { Parameters = { new("workflow_id", workflowId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $$"""
            SELECT child_seq, id, name, status, output::text, error
            FROM {{Sql.Schema}}.workflows
            WHERE parent_id = @workflow_id
            """) { Parameters = { new("workflow_id", workflowId) } });

        var steps = new Dictionary<int, RecordedStep>();
        var children = new Dictionary<int, RecordedChild>();
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            steps[reader.GetInt32(0)] = new RecordedStep(
                reader.GetString(1),
                reader.GetStringOrNull(2),
                reader.GetStringOrNull(3));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            children[reader.GetInt32(0)] = new RecordedChild(
                reader.GetGuid(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetStringOrNull(4),
                reader.GetStringOrNull(5));
        }

        return new WorkflowHistory(steps, children);
    }
}
