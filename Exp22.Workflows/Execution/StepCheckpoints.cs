using System.Threading.Channels;
using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Writes step checkpoints, fenced by the claim, with group commit: the checkpoints that concurrent
/// workflows produce while earlier writes are in flight go to the database together, in one statement
/// and one commit. A step still returns only after its own checkpoint is committed.
/// </summary>
internal sealed class StepCheckpoints : IAsyncDisposable
{
    // A few writes in flight let commits overlap (PostgreSQL flushes their WAL together); more would
    // only split the batches smaller. The batch cap bounds one statement's size and lock set.
    private const int MaxWritesInFlight = 4;
    private const int MaxBatch = 256;

    private readonly CheckpointStatements _statements;
    private readonly Channel<PendingCheckpoint> _queue = Channel.CreateUnbounded<PendingCheckpoint>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _writeSlots = new(MaxWritesInFlight, MaxWritesInFlight);
    private readonly Task _dispatcher;

    public StepCheckpoints(NpgsqlDataSource dataSource)
    {
        _statements = new CheckpointStatements(dataSource);
        _dispatcher = Task.Run(DispatchAsync);
    }

    public async Task SaveAsync(
        ClaimedWorkflow workflow, int seq, string name, string? output, string? error, int tries,
        DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var checkpoint = new PendingCheckpoint(workflow, seq, name, output, error, tries, startedAt, cancellationToken);
        if (!_queue.Writer.TryWrite(checkpoint))
            throw new ObjectDisposedException(nameof(StepCheckpoints));
        if (!await checkpoint.Written.WaitAsync(cancellationToken))
            throw new WorkflowFencedException(workflow.Id, $"the checkpoint of step {seq} '{name}'");
    }

    private async Task DispatchAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            // Taking a slot before draining the queue is what makes batches: while every slot is busy,
            // new checkpoints wait here together for the next write.
            await _writeSlots.WaitAsync();
            var batch = new List<PendingCheckpoint>();
            while (batch.Count < MaxBatch && reader.TryRead(out var checkpoint))
            {
                // A workflow cancelled or handed over while its checkpoint waited has stopped listening.
                if (checkpoint.CancellationToken.IsCancellationRequested)
                    checkpoint.Abandon();
                else
                    batch.Add(checkpoint);
            }

            if (batch.Count == 0)
            {
                _writeSlots.Release();
                continue;
            }

            _ = WriteAsync(batch);
        }
    }

    private async Task WriteAsync(List<PendingCheckpoint> batch)
    {
        try
        {
            if (batch.Count == 1)
            {
                await WriteAloneAsync(batch[0]);
                return;
            }

            var written = await DeadlockRetry.RunAsync(ct => _statements.WriteManyAsync(batch, ct), CancellationToken.None);
            foreach (var checkpoint in batch)
                checkpoint.Complete(written.Contains((checkpoint.Workflow.Id, checkpoint.Seq)));
        }
        catch (PostgresException e) when (!e.IsTransient)
        {
            // One row the database rejects must not fail its neighbours: each is retried alone, so each
            // workflow gets its own outcome.
            foreach (var checkpoint in batch)
                await WriteAloneAsync(checkpoint);
        }
        catch (Exception e)
        {
            foreach (var checkpoint in batch)
                checkpoint.Fail(e);
        }
        finally
        {
            _writeSlots.Release();
        }
    }

    private async Task WriteAloneAsync(PendingCheckpoint checkpoint)
    {
        try
        {
            checkpoint.Complete(await DeadlockRetry.RunAsync(
                ct => _statements.WriteOneAsync(checkpoint, ct), checkpoint.CancellationToken));
        }
        catch (Exception e)
        {
            checkpoint.Fail(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _dispatcher;
        for (var i = 0; i < MaxWritesInFlight; i++)
            await _writeSlots.WaitAsync();
        _writeSlots.Dispose();
    }
}
