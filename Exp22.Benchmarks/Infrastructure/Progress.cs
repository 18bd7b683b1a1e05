using System.Diagnostics;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>Progress goes to stderr, so that stdout holds only the final JSON line.</summary>
public sealed class Progress
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Line(string message) => Console.Error.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0} s] {message}");
}
