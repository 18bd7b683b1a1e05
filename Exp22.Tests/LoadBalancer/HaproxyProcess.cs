using System.Collections.Concurrent;
using System.Diagnostics;
using Exp22.Harness.Os;
using Exp22.Harness.Services;

namespace Exp22.Tests.LoadBalancer;

/// <summary>HAProxy (Debian's package) in the foreground with deploy/loadbalancer/haproxy.cfg.</summary>
public sealed class HaproxyProcess : IAsyncDisposable
{
    public const string ConfigFile = "deploy/loadbalancer/haproxy.cfg";
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private HaproxyProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output => string.Join('\n', _lines);

    private static readonly string[] Executables = ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"];

    public static HaproxyProcess Start(Uri api1, Uri api2)
    {
        var executable = Executables.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("HAProxy is not installed: apt-get install -y haproxy (.ci/run installs it).");
        var port = FreePort.Pick();
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "-db", "-f", RepositoryRoot.File(ConfigFile) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EXP22_LB_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["EXP22_API1_PORT"] = api1.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["EXP22_API2_PORT"] = api2.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var process = new Process { StartInfo = start };
        var haproxy = new HaproxyProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => haproxy.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => haproxy.Capture(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return haproxy;
    }

    /// <summary>Waits until requests through the balancer succeed on both servers' turns.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        var successesInARow = 0;
        while (successesInARow < 10)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"HAProxy exited ({_process.ExitCode}):\n{Output}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"HAProxy did not serve within {timeout}:\n{Output}");
            try
            {
                successesInARow = (await http.GetAsync("/health/ready")).IsSuccessStatusCode ? successesInARow + 1 : 0;
            }
            catch (HttpRequestException)
            {
                successesInARow = 0;
            }

            await Task.Delay(successesInARow == 0 ? 200 : 20);
        }
    }

    private void Capture(string? line)
    {
        if (line is not null)
            _lines.Enqueue(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
