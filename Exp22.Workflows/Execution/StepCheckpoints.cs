using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Writes step checkpoints, fenced by the claim, with group commit: checkpoints of concurrent workflows
/// share one statement and one commit. A step returns only after its own checkpoint is committed.
/// </summary>
internal sealed class StepCheckpoints : IAsyncDisposable
{
    private readonly GroupCommit<PendingCheckpoint> _commits;

    public StepCheckpoints(NpgsqlDataSource dataSource)
    {
        var statements = new CheckpointStatements(dataSource);
        _commits = new GroupCommit<PendingCheckpoint>(statements.WriteManyAsync, statements.WriteOneAsync);
    }

    public async Task SaveAsync(
        ClaimedWorkflow workflow, int seq, string name, string? output, Failure? failure, int tries,
        DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var checkpoint = new PendingCheckpoint(workflow, seq, name, output, failure, tries, startedAt, cancellationToken);
        if (!await _commits.WriteAsync(checkpoint).ConfigureAwait(false))
            throw new WorkflowFencedException(workflow.Id, $"the checkpoint of step {seq} '{name}'");
    }

    public ValueTask DisposeAsync() => _commits.DisposeAsync();
}
