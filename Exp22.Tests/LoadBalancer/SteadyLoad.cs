using System.Collections.Concurrent;
using System.Diagnostics;

namespace Exp22.Tests.LoadBalancer;

/// <summary>
/// Keep-alive clients each sending one request after another, as fast as answers come: what a busy
/// frontend does to the balancer. Counts every request and every failure (a status other than 2xx, or
/// no answer at all), with when it happened.
/// </summary>
public sealed class SteadyLoad(Uri target, string path, int clients)
{
    private readonly ConcurrentQueue<(TimeSpan At, string What)> _failures = new();
    private readonly Stopwatch _clock = new();
    private long _sent;

    public long Sent => Interlocked.Read(ref _sent);

    public IReadOnlyList<(TimeSpan At, string What)> Failures => [.. _failures];

    public TimeSpan Elapsed => _clock.Elapsed;

    public async Task RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = target,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _clock.Start();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(() => ClientAsync(http, stop), CancellationToken.None)));
    }

    private async Task ClientAsync(HttpClient http, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Interlocked.Increment(ref _sent);
            try
            {
                using var response = await http.GetAsync(path, CancellationToken.None);
                if (!response.IsSuccessStatusCode)
                    _failures.Enqueue((_clock.Elapsed, $"{(int)response.StatusCode} {response.StatusCode}"));
            }
            catch (HttpRequestException e)
            {
                _failures.Enqueue((_clock.Elapsed, e.HttpRequestError.ToString()));
            }
            catch (TaskCanceledException)
            {
                _failures.Enqueue((_clock.Elapsed, "timeout"));
            }
        }
    }

    public static string Summary(IEnumerable<(TimeSpan At, string What)> failures) =>
        string.Join(", ", failures.GroupBy(f => f.What).Select(g => $"{g.Count()} x {g.Key}"));
}
