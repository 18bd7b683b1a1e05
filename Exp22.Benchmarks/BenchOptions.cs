using System.Globalization;

namespace Exp22.Benchmarks;

/// <summary>The command line: a scenario and its sizes. Unknown options stop the command with a usage message.</summary>
public sealed class BenchOptions
{
    public static readonly string[] Scenarios = ["all", "steps", "latency", "http", "rss", "drain", "overload", "soak"];

    /// <summary>Run only when named: they take minutes at full size and measure robustness, not speed.</summary>
    private static readonly string[] OnlyWhenNamed = ["overload", "soak"];

    public string Scenario { get; private set; } = "all";

    /// <summary>R: seed-shaped runs (6 sub-workflows × 5 no-op steps) per throughput measurement.</summary>
    public int Runs { get; private set; } = 1000;

    /// <summary>
    /// Workflows:Concurrency of each executor in the throughput, latency and drain scenarios. Above the
    /// product's default of 16 because no-op steps spend their time waiting for commits: more workflows
    /// in flight make bigger group commits.
    /// </summary>
    public int Concurrency { get; private set; } = 64;

    public int PgbenchSeconds { get; private set; } = 10;

    public int WarmupSeconds { get; private set; } = 10;

    public int LatencySamples { get; private set; } = 200;

    public int HttpSeconds { get; private set; } = 10;

    public int HttpConcurrency { get; private set; } = 32;

    public int RssRuns { get; private set; } = 1000;

    public TimeSpan DrainCompletionTimeout { get; private set; } = TimeSpan.FromSeconds(2);

    public bool ShowStatements { get; private set; } = true;

    /// <summary>Runs the overload scenario starts through the API, as fast as it takes them.</summary>
    public int OverloadRuns { get; private set; } = 100_000;

    /// <summary>Concurrent HTTP clients of the overload scenario, each honouring Retry-After.</summary>
    public int OverloadClients { get; private set; } = 512;

    /// <summary>How long the soak scenario keeps starting runs and stopping executors.</summary>
    public TimeSpan SoakDuration { get; private set; } = TimeSpan.FromMinutes(3);

    /// <summary>The soak scenario stops one executor (SIGTERM and SIGKILL in turn) this often, then restarts it.</summary>
    public TimeSpan SoakStopEvery { get; private set; } = TimeSpan.FromSeconds(20);

    /// <summary>Seed-shaped runs the soak scenario starts per second.</summary>
    public int SoakRunsPerSecond { get; private set; } = 2;

    /// <summary>Extra environment for the API process (--api-env KEY=VALUE), e.g. lower overload limits.</summary>
    public Dictionary<string, string> ApiEnvironment { get; } = [];

    /// <summary>Extra environment for every executor process (--executor-env KEY=VALUE), for experiments.</summary>
    public Dictionary<string, string> ExecutorEnvironment { get; } = [];

    /// <summary>Npgsql settings appended to the services' connection string (--connection-options "A=1;B=2").</summary>
    public string ConnectionOptions { get; private set; } = "";

    public const string Usage = """
        usage: dotnet run -c Release --project Exp22.Benchmarks -- [scenario] [options]
          scenario             all (default: steps, latency, http, rss, drain) | steps | latency | http | rss | drain | overload | soak
          --runs R             seed-shaped runs (6 sub-workflows x 5 no-op steps) per throughput measurement (1000)
          --concurrency N      Workflows:Concurrency of each executor in steps, latency and drain (64)
          --warmup-seconds S   seed-shaped runs executed before each throughput window opens (10)
          --pgbench-seconds S  duration of the pgbench ceiling (10)
          --latency-samples N  runs enqueued one at a time for enqueue -> start latency (200)
          --http-seconds S     duration of the POST /runs load (10)
          --http-concurrency C concurrent HTTP clients (32)
          --rss-runs N         runs in flight while the executor's peak RSS is read (1000)
          --drain-timeout S    Workflows:WorkflowCompletionTimeout of the drained executor, seconds (2)
          --no-statements      do not print pg_stat_statements' top statements
          --overload-runs N    overload (run only when named): runs started through the API as fast as it takes them (100000)
          --overload-clients C overload: concurrent HTTP clients, each honouring Retry-After (512)
          --duration hh:mm:ss  soak (run only when named): how long runs are started and executors stopped (00:03:00)
          --stop-every hh:mm:ss soak: one executor is stopped (SIGTERM, SIGKILL in turn) and restarted this often (00:00:20)
          --runs-per-second R  soak: seed-shaped runs started per second (2)
          --api-env K=V        extra environment for the API process (repeatable), e.g. Api__Overload__QueueLimit=16
          --executor-env K=V   extra environment for every executor process (repeatable), e.g. OTEL_SDK_DISABLED=true
          --connection-options "Max Auto Prepare=20"  Npgsql settings appended to the services' connection string
        ConnectionStrings__exp22db=...  measure against that server instead of a private one
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (!Scenarios.Contains(arg))
                    throw new ArgumentException($"Unknown scenario '{arg}'.");
                options.Scenario = arg;
                continue;
            }

            if (arg == "--no-statements")
            {
                options.ShowStatements = false;
                continue;
            }

            if (i + 1 >= args.Length)
                throw new ArgumentException($"{arg} needs a value.");
            var value = args[++i];
            switch (arg)
            {
                case "--runs": options.Runs = Positive(arg, value); break;
                case "--concurrency": options.Concurrency = Positive(arg, value); break;
                case "--warmup-seconds": options.WarmupSeconds = Positive(arg, value); break;
                case "--pgbench-seconds": options.PgbenchSeconds = Positive(arg, value); break;
                case "--latency-samples": options.LatencySamples = Positive(arg, value); break;
                case "--http-seconds": options.HttpSeconds = Positive(arg, value); break;
                case "--http-concurrency": options.HttpConcurrency = Positive(arg, value); break;
                case "--rss-runs": options.RssRuns = Positive(arg, value); break;
                case "--executor-env": AddSetting(options.ExecutorEnvironment, arg, value); break;
                case "--api-env": AddSetting(options.ApiEnvironment, arg, value); break;
                case "--overload-runs": options.OverloadRuns = Positive(arg, value); break;
                case "--overload-clients": options.OverloadClients = Positive(arg, value); break;
                case "--duration": options.SoakDuration = Duration(arg, value); break;
                case "--stop-every": options.SoakStopEvery = Duration(arg, value); break;
                case "--runs-per-second": options.SoakRunsPerSecond = Positive(arg, value); break;
                case "--connection-options": options.ConnectionOptions = value; break;
                case "--drain-timeout": options.DrainCompletionTimeout = TimeSpan.FromSeconds(Positive(arg, value)); break;
                default: throw new ArgumentException($"Unknown option '{arg}'.");
            }
        }

        return options;
    }

    private static int Positive(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{option} must be a positive integer, not '{value}'.");

    private static void AddSetting(Dictionary<string, string> settings, string option, string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
            throw new ArgumentException($"{option} takes KEY=VALUE, not '{value}'.");
        settings[value[..equals]] = value[(equals + 1)..];
    }

    private static TimeSpan Duration(string option, string value) =>
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw new ArgumentException($"{option} must be a positive duration such as 00:03:00, not '{value}'.");

    public bool Includes(string scenario) =>
        Scenario == scenario || (Scenario == "all" && !OnlyWhenNamed.Contains(scenario));
}
