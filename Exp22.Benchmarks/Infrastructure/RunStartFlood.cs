using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>What a flood of starts got from the API.</summary>
public sealed record FloodResult(
    long Accepted,
    long Shed429,
    long Refused503,
    long WithoutRetryAfter,
    long OtherStatuses,
    long Dropped,
    IReadOnlyList<double> AcceptedLatenciesMs,
    TimeSpan Elapsed,
    IReadOnlyList<string> FailureSamples);

/// <summary>
/// C clients start N runs through <c>POST /runs</c> as fast as the API takes them, each with its own
/// Idempotency-Key: a 429 or 503 is retried with the same key after its Retry-After, as a well-behaved
/// client does; any other answer, a dropped connection or a request timeout is a failure.
/// </summary>
public static class RunStartFlood
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static async Task<FloodResult> RunAsync(Uri api, int runs, int clients, string body, Progress progress, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = api,
            Timeout = RequestTimeout,
        };
        long accepted = 0, shed = 0, refused = 0, withoutRetryAfter = 0, other = 0, dropped = 0;
        var failures = new ConcurrentQueue<string>();
        var latencies = new ConcurrentBag<double>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reporter = ReportAsync();

        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < runs; i = Interlocked.Increment(ref next))
            {
                var key = $"flood-{i}";
                while (true)
                {
                    var started = clock.Elapsed;
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/runs")
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                    };
                    request.Headers.Add("Idempotency-Key", key);
                    HttpResponseMessage response;
                    try
                    {
                        response = await http.SendAsync(request, ct);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref dropped);
                        Remember($"{key}: {e.GetType().Name}: {e.Message}");
                        break;
                    }

                    using (response)
                    {
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            Interlocked.Increment(ref accepted);
                            latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                            break;
                        }

                        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                        {
                            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                                Interlocked.Increment(ref shed);
                            else
                                Interlocked.Increment(ref refused);
                            var retryAfter = response.Headers.RetryAfter?.Delta;
                            if (retryAfter is null || !await IsProblemAsync(response, ct))
                            {
                                Interlocked.Increment(ref withoutRetryAfter);
                                Remember($"{key}: {(int)response.StatusCode} without Retry-After or problem details");
                            }

                            await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), ct);
                            continue;
                        }

                        Interlocked.Increment(ref other);
                        Remember($"{key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                        break;
                    }
                }
            }
        }, ct)));

        var elapsed = clock.Elapsed;
        await reporting.CancelAsync();
        await reporter;
        return new FloodResult(accepted, shed, refused, withoutRetryAfter, other, dropped, [.. latencies], elapsed, [.. failures]);

        void Remember(string failure)
        {
            if (failures.Count < 20)
                failures.Enqueue(failure);
        }

        async Task ReportAsync()
        {
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), reporting.Token);
                    progress.Line($"  {Interlocked.Read(ref accepted)}/{runs} started, {Interlocked.Read(ref shed)} shed with 429, " +
                                  $"{Interlocked.Read(ref refused)} refused with 503 ({clock.Elapsed.TotalSeconds:0} s)");
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static async Task<bool> IsProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return false;
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return problem.TryGetProperty("status", out var status) && status.GetInt32() == (int)response.StatusCode;
    }
}
