using Exp22.Harness.Services;

namespace Exp22.Tests.Faults;

/// <summary>How the test ended one executor process.</summary>
internal enum ProcessEnd
{
    StillRunning,
    Killed,
    Terminated,
}

/// <summary>One process of an executor id: the executor id lives on across restarts, the process does not.</summary>
internal sealed class ExecutorIncarnation(string executorId, int number, ServiceProcess process)
{
    public string ExecutorId => executorId;

    public int Number => number;

    public ServiceProcess Process => process;

    public ProcessEnd End { get; set; } = ProcessEnd.StillRunning;

    public override string ToString() => $"{executorId}#{number}";
}

/// <summary>
/// Executor processes under fixed ids (<c>exp22-executor-1</c>, …) that a test kills, terminates and
/// restarts under the same id, as a supervisor would. Every process it ever started is kept, with its
/// output, so that the test can audit what each one executed.
/// </summary>
internal sealed class ExecutorFleet : IAsyncDisposable
{
    private readonly Func<string, IReadOnlyDictionary<string, string>> _environment;
    private readonly List<ExecutorIncarnation> _all = [];
    private readonly Dictionary<string, ExecutorIncarnation> _current = [];

    private ExecutorFleet(Func<string, IReadOnlyDictionary<string, string>> environment) => _environment = environment;

    public IReadOnlyList<string> ExecutorIds => [.. _current.Keys];

    public IReadOnlyList<ExecutorIncarnation> All
    {
        get
        {
            lock (_all)
                return [.. _all];
        }
    }

    public ExecutorIncarnation Current(string executorId) => _current[executorId];

    /// <param name="environment">The environment of an executor process, given its id.</param>
    public static async Task<ExecutorFleet> StartAsync(int executors, Func<string, IReadOnlyDictionary<string, string>> environment)
    {
        var fleet = new ExecutorFleet(environment);
        try
        {
            var ids = Enumerable.Range(1, executors).Select(i => $"exp22-executor-{i}").ToList();
            await Task.WhenAll(ids.Select(fleet.StartOneAsync));
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: the process dies at once, holding whatever it was running.</summary>
    public async Task KillAsync(string executorId)
    {
        var incarnation = _current[executorId];
        incarnation.End = ProcessEnd.Killed;
        incarnation.Process.Kill();
        await incarnation.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGTERM, then waits for the drain to end; returns the exit code.</summary>
    public async Task<int> TerminateAsync(string executorId, TimeSpan drainBound)
    {
        var incarnation = _current[executorId];
        incarnation.End = ProcessEnd.Terminated;
        incarnation.Process.Terminate();
        return await incarnation.Process.WaitForExitAsync(drainBound);
    }

    /// <summary>Starts a new process under the id of one that has exited; returns once it is ready.</summary>
    public Task RestartAsync(string executorId) => StartOneAsync(executorId);

    private async Task StartOneAsync(string executorId)
    {
        ExecutorIncarnation incarnation;
        lock (_all)
        {
            var number = _all.Count(i => i.ExecutorId == executorId) + 1;
            var process = ServiceProcess.Start("Exp22.Executor", $"{executorId}#{number}", _environment(executorId));
            incarnation = new ExecutorIncarnation(executorId, number, process);
            _all.Add(incarnation);
            _current[executorId] = incarnation;
        }

        await incarnation.Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var incarnation in All)
            await incarnation.Process.DisposeAsync();
    }
}
