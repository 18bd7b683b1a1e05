using System.Threading.Channels;

namespace Exp22.Workflows.Execution;

/// <summary>
/// Coalesces "there may be work" signals (a notification, a freed slot) into at most one pending
/// wake-up, and falls back to a polling interval when nothing signals.
/// </summary>
internal sealed class WakeSignal(TimeProvider time)
{
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Set() => _pending.Writer.TryWrite(true);

    /// <returns>true when signalled; false when the polling interval elapsed first.</returns>
    public async Task<bool> WaitAsync(TimeSpan pollingInterval, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(pollingInterval, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _pending.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
