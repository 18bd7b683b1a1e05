using System.Diagnostics;
using System.Net;
using System.Text;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Demo;
using Exp22.Harness.Services;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// <c>POST /runs</c> against an Exp22.Api process under concurrent load, first from an HttpClient loop in this
/// process, then from <c>hey</c> (a separate Go process: its own runtime, not this one's thread pool), both
/// on the same cores. The API traces as production would: a parent-based ratio sampler (10% of new traces)
/// unless <c>--api-env</c> sets OTEL_TRACES_SAMPLER. No executor runs, so the figures are the API's and
/// the database's alone.
/// </summary>
public static class HttpEnqueue
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("http", ct);
        progress.Line("http: starting the API");
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
            ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio",
            ["OTEL_TRACES_SAMPLER_ARG"] = "0.1",
        };
        foreach (var (key, value) in options.ApiEnvironment)
            environment[key] = value;
        await using var api = ServiceProcess.Start(BuiltProjects.Api, "api", environment, keptLines: ExecutorFleet.TailLines);
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);

        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.HttpConcurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        {
            BaseAddress = api.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

        progress.Line($"http: POST /runs from {options.HttpConcurrency} concurrent clients, {Warmup.TotalSeconds:0} s warm-up + {options.HttpSeconds} s");
        await LoadAsync(http, options.HttpConcurrency, Warmup, ct);
        var (latencies, failures, elapsed) = await LoadAsync(http, options.HttpConcurrency, TimeSpan.FromSeconds(options.HttpSeconds), ct);

        var rps = latencies.Count / elapsed.TotalSeconds;
        figures.Add("http_inprocess_rps", rps, 0);
        figures.Add("http_inprocess_p50_ms", Percentiles.Of(latencies, 50), 2);
        figures.Add("http_inprocess_p99_ms", Percentiles.Of(latencies, 99), 2);
        figures.Add("http_inprocess_failures", failures);
        figures.Add("http_concurrency", options.HttpConcurrency);
        figures.Add("http_traces_sampler", $"{environment["OTEL_TRACES_SAMPLER"]} {environment["OTEL_TRACES_SAMPLER_ARG"]}");
        progress.Line($"http (HttpClient in this process): {rps:0} requests/s, p50 {Percentiles.Of(latencies, 50):0.0} ms, " +
                      $"p99 {Percentiles.Of(latencies, 99):0.0} ms, {failures} failed");

        progress.Line($"http: hey -c {options.HttpConcurrency} -z {options.HttpSeconds}s POST /runs");
        var hey = await HeyLoad.RunAsync(new Uri(api.BaseAddress, "/runs"), DemoRuns.Input(1, 1), options.HttpConcurrency,
            TimeSpan.FromSeconds(options.HttpSeconds), ct);
        figures.Add("http_enqueue_rps", hey.RequestsPerSecond, 0);
        figures.Add("http_enqueue_p50_ms", hey.P50Ms, 2);
        figures.Add("http_enqueue_p99_ms", hey.P99Ms, 2);
        figures.Add("http_enqueue_failures", hey.Failures);
        if (figures.TryGet("pgbench_tps", out var ceiling))
        {
            figures.Add("http_enqueue_fraction_of_pgbench", hey.RequestsPerSecond / ceiling, 3);
            figures.Add("http_inprocess_fraction_of_pgbench", rps / ceiling, 3);
        }

        progress.Line($"http (hey): {hey.RequestsPerSecond:0} requests/s, p50 {hey.P50Ms:0.0} ms, p99 {hey.P99Ms:0.0} ms, {hey.Failures} failed");
    }

    private static async Task<(List<double> Latencies, long Failures, TimeSpan Elapsed)> LoadAsync(
        HttpClient http, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        var body = DemoRuns.Input(1, 1);
        var clock = Stopwatch.StartNew();
        long failures = 0;
        var perClient = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var latencies = new List<double>();
            while (clock.Elapsed < duration)
            {
                var started = clock.Elapsed;
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                try
                {
                    using var response = await http.PostAsync("/runs", content, ct);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                        latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                    else
                        Interlocked.Increment(ref failures);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }

            return latencies;
        }));
        return ([.. perClient.SelectMany(l => l)], failures, clock.Elapsed);
    }
}
