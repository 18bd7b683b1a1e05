using System.Collections.Concurrent;
using System.Diagnostics;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>What the probes saw: how many, how many failed (not 200, or not within the timeout), the slowest.</summary>
public sealed record ProbeResult(int Probes, int Failures, double MaxMs, double P99Ms, IReadOnlyList<string> FailureSamples);

/// <summary>
/// Probes <c>/health/ready</c> and <c>/health/live</c> as Kubernetes does, every 250 ms, each with the
/// probe timeout of the API's manifest (deploy/kubernetes/api.yaml: 2 s), until stopped.
/// </summary>
public sealed class HealthProbes : IAsyncDisposable
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);
    private static readonly string[] Paths = ["/health/ready", "/health/live"];

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<double> _latencies = [];
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly Task _probing;
    private int _failureCount;

    private HealthProbes(Uri service) => _probing = Task.Run(() => ProbeAsync(service));

    public static HealthProbes Start(Uri service) => new(service);

    public async Task<ProbeResult> StopAsync()
    {
        await _stop.CancelAsync();
        await _probing;
        var latencies = _latencies.ToList();
        return new ProbeResult(latencies.Count, _failureCount, latencies.Count == 0 ? 0 : latencies.Max(),
            Percentiles.Of(latencies, 99), [.. _failures]);
    }

    private async Task ProbeAsync(Uri service)
    {
        // A fresh connection per probe, as the kubelet makes: a pooled one would hide a full accept queue.
        while (!_stop.IsCancellationRequested)
        {
            foreach (var path in Paths)
            {
                using var http = new HttpClient { BaseAddress = service, Timeout = ProbeTimeout };
                var clock = Stopwatch.StartNew();
                try
                {
                    using var response = await http.GetAsync(path, CancellationToken.None);
                    _latencies.Add(clock.Elapsed.TotalMilliseconds);
                    if (!response.IsSuccessStatusCode)
                        Fail($"{path}: {(int)response.StatusCode} after {clock.Elapsed.TotalMilliseconds:0} ms");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    _latencies.Add(clock.Elapsed.TotalMilliseconds);
                    Fail($"{path}: {e.GetType().Name} after {clock.Elapsed.TotalMilliseconds:0} ms");
                }
            }

            try
            {
                await Task.Delay(Period, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Fail(string what)
    {
        Interlocked.Increment(ref _failureCount);
        if (_failures.Count < 20)
            _failures.Enqueue(what);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync();
        _stop.Dispose();
    }
}
