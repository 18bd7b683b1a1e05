using System.Globalization;

namespace Exp22.Benchmarks;

/// <summary>The command line: a scenario and its sizes. Unknown options stop the command with a usage message.</summary>
public sealed class BenchOptions
{
    public static readonly string[] Scenarios = ["all", "steps", "latency", "http", "rss", "drain", "history", "backlog", "steady", "overload", "soak"];

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

    /// <summary>history: finished workflows in the tables at each point of the curve, the first normally 0.</summary>
    public long[] HistoryWorkflows { get; private set; } = [0, 100_000, 1_000_000];

    /// <summary>history: seed-shaped runs per measured window.</summary>
    public int GrowthRuns { get; private set; } = 500;

    /// <summary>history: windows per point, of which the median is reported.</summary>
    public int GrowthWindows { get; private set; } = 3;

    /// <summary>backlog: queued runs at each point of the curve.</summary>
    public long[] BacklogRuns { get; private set; } = [100, 10_000, 100_000];

    /// <summary>backlog: sleeping runs (not_before a day ahead) in the queue for the last point.</summary>
    public int SleepingRuns { get; private set; } = 100_000;

    /// <summary>backlog: probe runs enqueued one at a time at each point.</summary>
    public int BacklogProbes { get; private set; } = 100;

    /// <summary>steady: how long the steady rate runs.</summary>
    public double SoakMinutes { get; private set; } = 10;

    /// <summary>steady: seed-shaped runs (30 steps each) enqueued per second.</summary>
    public int SteadyRunsPerSecond { get; private set; } = 20;

    /// <summary>steady: seconds between samples.</summary>
    public int SampleSeconds { get; private set; } = 30;

    /// <summary>Extra environment for the API process (--api-env KEY=VALUE), e.g. lower overload limits.</summary>
    public Dictionary<string, string> ApiEnvironment { get; } = [];

    /// <summary>Extra environment for every executor process (--executor-env KEY=VALUE), for experiments.</summary>
    public Dictionary<string, string> ExecutorEnvironment { get; } = [];

    /// <summary>Npgsql settings appended to the services' connection string (--connection-options "A=1;B=2").</summary>
    public string ConnectionOptions { get; private set; } = "";

    public const string Usage = """
        usage: dotnet run -c Release --project Exp22.Benchmarks -- [scenario] [options]
          scenario             all (default: steps, latency, http, rss, drain, history, backlog, steady)
                               | steps | latency | http | rss | drain | history | backlog | steady | overload | soak
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
          --history-workflows L  history: finished workflows already in the tables at each point (0,100000,1000000)
          --growth-runs R      history: seed-shaped runs per measured window (500)
          --growth-windows N   history: windows per point, the median reported (3)
          --backlog-runs L     backlog: queued runs at each point (100,10000,100000)
          --sleeping-runs N    backlog: sleeping runs (not_before a day ahead) for the last point (100000)
          --backlog-probes N   backlog: probe runs enqueued 20 ms apart at each point (100)
          --soak-minutes M     steady: minutes at the steady rate (10)
          --steady-rate R      steady: seed-shaped runs enqueued per second (20)
          --sample-seconds S   steady: seconds between samples (30)
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
                case "--history-workflows": options.HistoryWorkflows = List(arg, value); break;
                case "--growth-runs": options.GrowthRuns = Positive(arg, value); break;
                case "--growth-windows": options.GrowthWindows = Positive(arg, value); break;
                case "--backlog-runs": options.BacklogRuns = List(arg, value); break;
                case "--sleeping-runs": options.SleepingRuns = Positive(arg, value); break;
                case "--backlog-probes": options.BacklogProbes = Positive(arg, value); break;
                case "--soak-minutes": options.SoakMinutes = Minutes(arg, value); break;
                case "--steady-rate": options.SteadyRunsPerSecond = Positive(arg, value); break;
                case "--sample-seconds": options.SampleSeconds = Positive(arg, value); break;
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

    private static long[] List(string option, string value) =>
        value.Split(',').Select(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ArgumentException($"{option} takes a comma-separated list of counts, not '{value}'.")).ToArray();

    private static double Minutes(string option, string value) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var m) && m > 0
            ? m
            : throw new ArgumentException($"{option} must be a positive number of minutes, not '{value}'.");

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
