using System.Collections.Concurrent;
using System.Diagnostics;
using Exp22.Harness.Os;

namespace Exp22.Harness.Services;

/// <summary>
/// One of the product's services (Exp22.Api, Exp22.Executor) as a real child process: started from its
/// build output with environment configuration on a free loopback port, its console captured line by
/// line, stopped with real signals, its peak memory read from /proc.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly int? _keptLines;

    private ServiceProcess(string name, Process process, Uri baseAddress, int? keptLines)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
        _keptLines = keptLines;
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process printed (stdout and stderr interleaved), or its last lines when the start kept a bounded tail.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <param name="keptLines">Null keeps every line (a test audits them); a number keeps only that many of the last
    /// (a benchmark's executor prints far more than anyone reads).</param>
    public static ServiceProcess Start(string project, string name, IReadOnlyDictionary<string, string> environment, int? keptLines = null) =>
        StartAssembly(BuiltProjects.DllOf(project), name, environment, keptLines);

    /// <summary>Runs <paramref name="assembly"/> with <c>dotnet</c>, as <see cref="Start"/> runs a service's build output.</summary>
    public static ServiceProcess StartAssembly(string assembly, string name, IReadOnlyDictionary<string, string> environment, int? keptLines = null)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort.Pick()}");
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
        var service = new ServiceProcess(name, process, baseAddress, keptLines);
        process.OutputDataReceived += (_, e) => service.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => service.Capture(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    private void Capture(string? line)
    {
        if (line is null)
            return;
        _lines.Enqueue(line);
        while (_lines.Count > _keptLines)
            _lines.TryDequeue(out _);
    }

    public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!_lines.Any(match))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before the expected line:\n{Tail()}");
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"{Name} did not print the expected line within {timeout}:\n{Tail()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 2xx.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) while starting:\n{Tail()}");
            try
            {
                if ((await http.GetAsync("/health/ready", ct)).IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet, or too slow to answer on a loaded machine.
            }

            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"{Name} was not ready within {timeout}:\n{Tail()}");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>SIGTERM: what Kubernetes and the AppHost's Drain command send first.</summary>
    public void Terminate() => Posix.Signal(_process.Id, Posix.SigTerm);

    /// <summary>A crash: no drain, no handover, no goodbye.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>The process's peak resident set (VmHWM) so far, in MiB.</summary>
    public double PeakResidentMiB()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kib = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return kib / 1024.0;
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
