using System.Collections.Concurrent;
using System.Diagnostics;
using Exp22.AppHost.Postgres;

namespace Exp22.Tests.Processes;

/// <summary>
/// One of the product's services as a real child process: started from its build output with
/// environment configuration, its console captured line by line, stopped with real signals.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ServiceProcess(string name, Process process, Uri baseAddress)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Lines => [.. _lines];

    public static ServiceProcess Start(string project, string name, IReadOnlyDictionary<string, string> environment) =>
        StartAssembly(BuiltProjects.DllOf(project), name, environment);

    /// <summary>Runs <paramref name="assembly"/> with <c>dotnet</c>, as <see cref="Start"/> runs a service's build output.</summary>
    public static ServiceProcess StartAssembly(string assembly, string name, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort.Pick();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { assembly },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString();
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process, baseAddress);
        process.OutputDataReceived += (_, e) => service.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => service.Capture(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    private void Capture(string? line)
    {
        if (line is not null)
            _lines.Enqueue(line);
    }

    public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_lines.Any(match))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before the expected line:\n{Tail()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Name} did not print the expected line within {timeout}:\n{Tail()}");
            await Task.Delay(50);
        }
    }

    public async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) while starting:\n{Tail()}");
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Name} was not ready within {timeout}:\n{Tail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>What Kubernetes and the AppHost send first.</summary>
    public void Terminate() => Posix.Signal(_process.Id, SigTerm);

    /// <summary>A crash: no drain, no handover, no goodbye.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public string Tail(int lines = 40) => string.Join('\n', _lines.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
