using System.Threading.Channels;
using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>A write waiting for the next group commit; <see cref="Written"/> says whether its fence held.</summary>
internal abstract class PendingWrite(CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<bool> _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>true once committed; false when the fence refused it; faults when the write failed.</summary>
    public Task<bool> Written => _written.Task;

    public void Complete(bool written) => _written.TrySetResult(written);

    public void Fail(Exception exception) => _written.TrySetException(exception);

    public void Abandon() => _written.TrySetCanceled(CancellationToken);
}

/// <summary>
/// Group commit: the writes that concurrent workflows submit while earlier ones are in flight go to the
/// database together, in one round trip and one transaction. A caller still returns only after its own
/// write has committed, so nothing is acknowledged before it is durable.
/// </summary>
internal sealed class GroupCommit<T> : IAsyncDisposable where T : PendingWrite
{
    // A few writes in flight let commits overlap (PostgreSQL flushes their WAL together); more would
    // only split the batches smaller. The batch cap bounds one statement's size and lock set.
    private const int MaxWritesInFlight = 4;
    private const int MaxBatch = 256;

    private readonly Func<IReadOnlyList<T>, CancellationToken, Task<IReadOnlySet<T>>> _writeMany;
    private readonly Func<T, CancellationToken, Task<bool>> _writeOne;
    private readonly Channel<T> _queue = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
    // Never disposed: a write stuck on an unreachable database may still release its slot after
    // DisposeAsync, and a SemaphoreSlim without a wait handle holds nothing to dispose.
    private readonly SemaphoreSlim _writeSlots = new(MaxWritesInFlight, MaxWritesInFlight);
    private readonly CancellationTokenSource _disposed = new();
    private readonly Task _dispatcher;

    /// <param name="writeMany">Writes a batch in one transaction; returns the items whose fence held.</param>
    /// <param name="writeOne">Writes one item alone; false when its fence refused it.</param>
    public GroupCommit(
        Func<IReadOnlyList<T>, CancellationToken, Task<IReadOnlySet<T>>> writeMany,
        Func<T, CancellationToken, Task<bool>> writeOne)
    {
        _writeMany = writeMany;
        _writeOne = writeOne;
        _dispatcher = Task.Run(DispatchAsync);
    }

    /// <returns>false when the fence refused the write.</returns>
    public Task<bool> WriteAsync(T item)
    {
        item.CancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(item), this);
        return item.Written.WaitAsync(item.CancellationToken);
    }

    private async Task DispatchAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Taking a slot before draining the queue is what makes batches: while every slot is busy,
            // new writes wait here together for the next transaction.
            try
            {
                await _writeSlots.WaitAsync(_disposed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                while (reader.TryRead(out var item))
                    item.Abandon();
                return;
            }

            var batch = new List<T>();
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                // A workflow cancelled or handed over while its write waited has stopped listening.
                if (item.CancellationToken.IsCancellationRequested)
                    item.Abandon();
                else
                    batch.Add(item);
            }

            if (batch.Count == 0)
            {
                _writeSlots.Release();
                continue;
            }

            _ = WriteAsync(batch);
        }
    }

    private async Task WriteAsync(List<T> batch)
    {
        try
        {
            if (batch.Count == 1)
            {
                await WriteAloneAsync(batch[0]).ConfigureAwait(false);
                return;
            }

            var written = await DeadlockRetry.RunAsync(ct => _writeMany(batch, ct), CancellationToken.None).ConfigureAwait(false);
            foreach (var item in batch)
                item.Complete(written.Contains(item));
        }
        catch (PostgresException e) when (!e.IsTransient)
        {
            // One row the database rejects must not fail its neighbours: each is retried alone, so each
            // workflow gets its own outcome.
            foreach (var item in batch)
                await WriteAloneAsync(item).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            foreach (var item in batch)
                item.Fail(e);
        }
        finally
        {
            _writeSlots.Release();
        }
    }

    private async Task WriteAloneAsync(T item)
    {
        try
        {
            item.Complete(await DeadlockRetry.RunAsync(ct => _writeOne(item, ct), item.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            item.Fail(e);
        }
    }

    /// <summary>
    /// Stops dispatching without waiting for the writes in flight: by now their workflows have stopped
    /// listening (drained, handed over or abandoned), and with the database unreachable a write may
    /// take its command timeout and more, which would hold the process after its shutdown budget.
    /// Writes still queued are abandoned.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _disposed.CancelAsync().ConfigureAwait(false);
        await _dispatcher.ConfigureAwait(false);
        _disposed.Dispose();
    }
}
