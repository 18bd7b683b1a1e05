using System.Diagnostics;

namespace Exp22.Tests.Faults;

/// <summary>One intervention of the supervisor: a process found dead, or killed for not answering.</summary>
internal sealed record Crash(ExecutorIncarnation Process, TimeSpan At, int ExitCode, bool Unresponsive)
{
    public override string ToString() =>
        $"{At.TotalSeconds,6:0.0} s {Process} " + (Unresponsive ? "stopped answering its liveness probe: SIGKILL" : $"died, exit code {ExitCode}");
}

/// <summary>
/// What Kubernetes does for an executor Deployment, on the test's fleet: a process that exits is started
/// again under the same id; one whose <c>/health/live</c> fails (or times out) three probes in a row is
/// SIGKILLed and started again. Every intervention is recorded.
/// </summary>
internal sealed class FleetSupervisor : IAsyncDisposable
{
    private const int FailureThreshold = 3;
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private readonly ExecutorFleet _fleet;
    private readonly Stopwatch _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Crash> _crashes = [];
    private readonly Task _watching;

    private FleetSupervisor(ExecutorFleet fleet, Stopwatch clock)
    {
        _fleet = fleet;
        _clock = clock;
        _watching = Task.WhenAll(fleet.ExecutorIds.Select(id => WatchAsync(id, _stop.Token)));
    }

    public IReadOnlyList<Crash> Crashes
    {
        get
        {
            lock (_crashes)
                return [.. _crashes];
        }
    }

    public static FleetSupervisor Start(ExecutorFleet fleet, Stopwatch clock) => new(fleet, clock);

    private async Task WatchAsync(string executorId, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = ProbeTimeout };
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(Period, CancellationToken.None);
            var incarnation = _fleet.Current(executorId);
            if (incarnation.Process.HasExited)
            {
                await RestartAsync(incarnation, unresponsive: false);
                failures = 0;
                continue;
            }

            failures = await AnswersAsync(http, incarnation) ? 0 : failures + 1;
            if (failures < FailureThreshold)
                continue;
            incarnation.Process.Kill();
            await incarnation.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await RestartAsync(incarnation, unresponsive: true);
            failures = 0;
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient http, ExecutorIncarnation incarnation)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(incarnation.Process.BaseAddress, "/health/live"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return incarnation.Process.HasExited;
        }
    }

    private async Task RestartAsync(ExecutorIncarnation incarnation, bool unresponsive)
    {
        incarnation.End = ProcessEnd.Crashed;
        lock (_crashes)
            _crashes.Add(new Crash(incarnation, _clock.Elapsed, incarnation.Process.ExitCode ?? -1, unresponsive));
        try
        {
            await _fleet.RestartAsync(incarnation.ExecutorId);
        }
        catch (InvalidOperationException)
        {
            // The new process died while starting (it may have claimed the poison at once): the next
            // round finds it exited, records it and starts another.
        }
    }

    /// <summary>Stops supervising; the processes keep running (the fleet disposes them).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync();
        await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
