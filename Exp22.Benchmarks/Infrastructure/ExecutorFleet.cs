using Exp22.Harness.Services;
namespace Exp22.Benchmarks.Infrastructure;

/// <summary>Starts Exp22.Executor processes against one database, with the demo's step delays set to zero.</summary>
public static class ExecutorFleet
{
    /// <summary>Lines of each executor's console kept for a failure's message; the rest is not read.</summary>
    public const int TailLines = 40;

    /// <param name="onLine">Sees each line an executor prints, with the executor's process name.</param>
    public static async Task<List<ServiceProcess>> StartAsync(
        string connectionString, int count, int concurrency, IReadOnlyDictionary<string, string> extraSettings,
        CancellationToken ct, int firstIndex = 1, string processSuffix = "", Action<string, string>? onLine = null)
    {
        var executors = new List<ServiceProcess>();
        for (var i = firstIndex; i < firstIndex + count; i++)
        {
            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__exp22db"] = connectionString,
                ["Workflows__ExecutorId"] = $"bench-executor-{i}",
                ["Workflows__Concurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Demo__StepDelayMinMs"] = "0",
                ["Demo__StepDelayMaxMs"] = "0",
                // The demo logs a line per step execution; at thousands of steps/s the console would be the benchmark.
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Exp22.Workflows.Execution.WorkflowExecutor"] = "Information",
            };
            foreach (var (key, value) in extraSettings)
                environment[key] = value;
            var name = $"executor-{i}{processSuffix}";
            executors.Add(ServiceProcess.Start(BuiltProjects.Executor, name, environment, keptLines: TailLines,
                onLine: onLine is null ? null : line => onLine(name, line)));
        }

        foreach (var executor in executors)
            await executor.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);
        return executors;
    }

    public static async Task StopAsync(IEnumerable<ServiceProcess> executors)
    {
        foreach (var executor in executors)
            await executor.DisposeAsync();
    }
}
