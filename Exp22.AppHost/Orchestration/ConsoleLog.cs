namespace Exp22.AppHost.Orchestration;

/// <param name="Sequence">Increases by one per line over the resource's whole life, restarts included.</param>
public sealed record LogLine(long Sequence, DateTimeOffset Time, string Text, bool IsError);

/// <summary>A resource's console output: the last <see cref="Capacity"/> lines, and a wake-up for readers that follow it.</summary>
public sealed class ConsoleLog(TimeProvider time, int capacity = 5000)
{
    private readonly Queue<LogLine> _lines = new();
    private readonly Lock _gate = new();
    private long _last;
    private TaskCompletionSource _appended = NewSignal();

    public int Capacity { get; } = capacity;

    public void Append(string text, bool isError = false)
    {
        TaskCompletionSource appended;
        lock (_gate)
        {
            _lines.Enqueue(new LogLine(++_last, time.GetUtcNow(), text, isError));
            while (_lines.Count > Capacity)
                _lines.Dequeue();
            appended = _appended;
            _appended = NewSignal();
        }

        appended.TrySetResult();
    }

    /// <summary>The kept lines after <paramref name="sequence"/> (0: all of them).</summary>
    public IReadOnlyList<LogLine> After(long sequence)
    {
        lock (_gate)
            return _lines.Where(line => line.Sequence > sequence).ToList();
    }

    /// <summary>Completes once a line after <paramref name="sequence"/> exists.</summary>
    public Task WaitForLinesAfterAsync(long sequence, CancellationToken ct)
    {
        lock (_gate)
            return _last > sequence ? Task.CompletedTask : _appended.Task.WaitAsync(ct);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
