using System.Diagnostics;
using System.Globalization;
using Exp22.Harness.Os;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.AppHost;

/// <summary>
/// <c>dotnet run --project Exp22.AppHost</c> as a user runs it in a terminal: inside a pseudo-terminal
/// (<c>script</c>, from util-linux), so a Ctrl+C typed into it is the terminal's SIGINT to the foreground
/// process group, as at a keyboard (a background job of a non-interactive shell would ignore SIGINT). Its own
/// data directory and free ports, so it runs beside a user's instance.
/// </summary>
public sealed class TerminalAppHost : IAsyncDisposable
{
    private const char CtrlC = '\u0003';

    private readonly Process _terminal;
    private readonly TestFolder _data;
    private readonly List<string> _lines = [];

    private TerminalAppHost(Process terminal, TestFolder data, IReadOnlyList<int> ports)
    {
        _terminal = terminal;
        _data = data;
        Ports = ports;
    }

    /// <summary>The api's and the executors' ports.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>Every process of the app once it ran: the terminal's, the orchestrator (which detaches), and its children.</summary>
    public IReadOnlyList<int> Processes { get; private set; } = [];

    public int AppHostPid { get; private set; }

    public string Output
    {
        get
        {
            lock (_lines)
                return string.Join('\n', _lines);
        }
    }

    public static async Task<TerminalAppHost> StartAsync(TimeSpan healthyWithin)
    {
        var data = new TestFolder();
        int[] ports = [FreePort.Pick(), FreePort.Pick(), FreePort.Pick()];
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string[] appHostArgs =
        [
            "--AppHost:Postgres=LocalBinaries",
            $"--AppHost:DataDirectory={data.Path}",
            $"--AppHost:Ports:Api={ports[0]}",
            $"--AppHost:Ports:Executor1={ports[1]}",
            $"--AppHost:Ports:Executor2={ports[2]}",
            $"--ASPNETCORE_URLS=http://127.0.0.1:{FreePort.Pick()}",
            $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{FreePort.Pick()}",
            $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://127.0.0.1:{FreePort.Pick()}",
        ];
        var command = $"exec dotnet run --project {RepositoryRoot.File("Exp22.AppHost")} --no-build -c {configuration} -- {string.Join(' ', appHostArgs)}";
        var start = new ProcessStartInfo("script", ["--quiet", "--flush", "--return", "--command", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var appHost = new TerminalAppHost(Process.Start(start)!, data, ports);
        appHost._terminal.OutputDataReceived += (_, e) => appHost.Capture(e.Data);
        appHost._terminal.ErrorDataReceived += (_, e) => appHost.Capture(e.Data);
        appHost._terminal.BeginOutputReadLine();
        appHost._terminal.BeginErrorReadLine();
        try
        {
            await appHost.WaitUntilHealthyAsync(healthyWithin);
            appHost.TakeProcessSnapshot();
            return appHost;
        }
        catch
        {
            await appHost.DisposeAsync();
            throw;
        }
    }

    /// <summary>Types Ctrl+C into the terminal.</summary>
    public async Task PressCtrlCAsync()
    {
        await _terminal.StandardInput.WriteAsync(CtrlC);
        await _terminal.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _terminal.WaitForExitAsync(cts.Token);
        return _terminal.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        // Whatever the test asserted, leave nothing running for the next one.
        if (!_terminal.HasExited)
            _terminal.Kill(entireProcessTree: true);
        foreach (var pid in Processes.Where(ProcFs.IsRunning))
            Posix.Signal(pid, Posix.SigKill);
        await _terminal.WaitForExitAsync();
        _terminal.Dispose();
        await ProcFs.WaitUntilGoneAsync(Processes, TimeSpan.FromSeconds(10));
        _data.Dispose();
    }

    /// <summary>The snapshot holds the whole app: the orchestrator, the dashboard, PostgreSQL and the three services.</summary>
    public void AssertTheWholeAppRuns()
    {
        var commandLines = Processes.Select(ProcFs.CommandLineOf).ToList();
        Assert.Contains(commandLines, c => c.Contains("dcp", StringComparison.Ordinal) && c.Contains("--monitor", StringComparison.Ordinal));
        Assert.Contains(commandLines, c => c.Contains("Aspire.Dashboard", StringComparison.Ordinal));
        Assert.Contains(commandLines, c => c.Contains("postgres -D", StringComparison.Ordinal));
        Assert.Equal(3, commandLines.Count(c => c.StartsWith("dotnet run --project", StringComparison.Ordinal) && !c.Contains("Exp22.AppHost", StringComparison.Ordinal)));
    }

    public static string Describe(IEnumerable<int> pids) =>
        string.Join("; ", pids.Select(pid => $"{pid} {ProcFs.CommandLineOf(pid)}"));

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_terminal.HasExited)
                throw new InvalidOperationException($"The AppHost exited ({_terminal.ExitCode}):\n{Output}");
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"The AppHost's services were not ready within {timeout}:\n{Output}");
            if (Output.Contains("Distributed application started", StringComparison.Ordinal) && await AllReadyAsync(http))
                return;
            await Task.Delay(500);
        }
    }

    private async Task<bool> AllReadyAsync(HttpClient http)
    {
        foreach (var port in Ports)
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/health/ready");
                if (!response.IsSuccessStatusCode)
                    return false;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }

        return true;
    }

    private void TakeProcessSnapshot()
    {
        var inTerminal = ProcFs.DescendantsOf(_terminal.Id);
        AppHostPid = inTerminal.Single(pid => ProcFs.CommandLineOf(pid).Contains("Exp22.AppHost/bin/", StringComparison.Ordinal)
                                              && !ProcFs.CommandLineOf(pid).StartsWith("dotnet run", StringComparison.Ordinal));
        // The orchestrator detaches from the AppHost and watches it instead (--monitor <pid>).
        var orchestrator = ProcFs.WithCommandLineContaining($"--monitor {AppHostPid.ToString(CultureInfo.InvariantCulture)}");
        Processes = [_terminal.Id, .. inTerminal, .. orchestrator, .. orchestrator.SelectMany(ProcFs.DescendantsOf)];
    }

    private void Capture(string? line)
    {
        if (line is null)
            return;
        lock (_lines)
            _lines.Add(line);
    }
}
