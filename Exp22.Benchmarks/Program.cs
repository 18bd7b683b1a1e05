using Exp22.Benchmarks;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Benchmarks.Scenarios;

// The engine's throughput and latency figures in one run; progress on stderr, one JSON line on stdout.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.Includes("http") && !HeyLoad.IsInstalled())
{
    Console.Error.WriteLine(HeyLoad.Missing);
    return 2;
}

using var cancel = new CancellationTokenSource();
// Ctrl+C or SIGTERM: stop measuring, and let every scenario stop its child processes on the way out.
using var onInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
var ct = cancel.Token;
var progress = new Progress();
var figures = new Figures();

await using var database = await BenchDatabase.StartAsync(Environment.GetEnvironmentVariable("ConnectionStrings__exp22db"), ct);
database.ConnectionOptions = options.ConnectionOptions;
progress.Line($"scenario '{options.Scenario}' on {database.Description}, {Environment.ProcessorCount} cores");
figures.Add("scenario", options.Scenario);
figures.Add("cores", Environment.ProcessorCount);

// The ceiling every throughput figure is compared with, measured in the same run for that reason.
if (options.Includes("steps") || options.Includes("http"))
    await PgbenchCeiling.RunAsync(database, options, figures, progress, ct);

if (options.Includes("steps"))
{
    await StepThroughput.RunAsync(database, options, 2, "", figures, progress, ct);
    await StepThroughput.RunAsync(database, options, 1, "_one_executor", figures, progress, ct);
    if (figures.TryGet("steps_per_s", out var two) && figures.TryGet("steps_per_s_one_executor", out var one))
        figures.Add("two_vs_one_executor_ratio", two / one, 3);
}

if (options.Includes("latency"))
    await StartLatency.RunAsync(database, options, figures, progress, ct);
if (options.Includes("http"))
    await HttpEnqueue.RunAsync(database, options, figures, progress, ct);
if (options.Includes("rss"))
    await ExecutorMemory.RunAsync(database, options, figures, progress, ct);
if (options.Includes("drain"))
    await DrainTiming.RunAsync(database, options, figures, progress, ct);
if (options.Includes("history"))
    await HistoryGrowth.RunAsync(database, options, figures, progress, ct);
if (options.Includes("backlog"))
    await BacklogClaims.RunAsync(database, options, figures, progress, ct);
if (options.Includes("steady"))
    await SteadySoak.RunAsync(database, options, figures, progress, ct);
if (options.Includes("overload"))
    await Overload.RunAsync(database, options, figures, progress, ct);
if (options.Includes("soak"))
    await Soak.RunAsync(database, options, figures, progress, ct);

Console.WriteLine(figures.ToJsonLine());
return 0;

void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}
