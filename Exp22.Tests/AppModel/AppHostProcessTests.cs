using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Exp22.Harness.Os;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.AppModel;

/// <summary>
/// The AppHost as the user runs it (its own process, its own throwaway PostgreSQL, free ports), ended the
/// two ways a terminal ends it: Ctrl+C (SIGINT), and the hard way (SIGKILL). Either way no process may
/// be left behind.
/// </summary>
public sealed partial class AppHostProcessTests
{
    private const int SigInt = 2;

    [Fact]
    public async Task Ctrl_c_stops_every_resource_and_exits_zero()
    {
        await using var appHost = await RunningAppHost.StartAsync();

        Posix.Signal(appHost.Pid, SigInt);

        Assert.Equal(0, await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Empty(await ProcFs.WaitUntilGoneAsync(appHost.ResourcePids, TimeSpan.FromSeconds(5)));
        Assert.Contains(appHost.Lines, l => l.Contains("executor-1: Exited (exit code 0)"));
    }

    [Fact]
    public async Task Children_do_not_outlive_a_sigkilled_apphost()
    {
        await using var appHost = await RunningAppHost.StartAsync();

        appHost.Kill();

        // The reaper gives the services 5 s after SIGTERM; PostgreSQL's guardian does a fast shutdown.
        Assert.Empty(await ProcFs.WaitUntilGoneAsync(appHost.ResourcePids, TimeSpan.FromSeconds(30)));
    }

    [GeneratedRegex(@"Dashboard: (http://localhost:\d+)")]
    private static partial Regex DashboardLine();

    private sealed class RunningAppHost : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];

        private RunningAppHost(Process process) => _process = process;

        public int Pid => _process.Id;

        public IReadOnlyList<int> ResourcePids { get; private set; } = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                    return [.. _lines];
            }
        }

        public static async Task<RunningAppHost> StartAsync()
        {
            var startInfo = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { BuiltProjects.DllOf("Exp22.AppHost"), "--AppHost:RandomPorts=true", "--AppHost:TemporaryData=true", "--ConnectionStrings:exp22db=" },
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var appHost = new RunningAppHost(Process.Start(startInfo)!);
            appHost._process.OutputDataReceived += (_, e) => appHost.Capture(e.Data);
            appHost._process.ErrorDataReceived += (_, e) => appHost.Capture(e.Data);
            appHost._process.BeginOutputReadLine();
            appHost._process.BeginErrorReadLine();
            try
            {
                await appHost.WaitUntilEveryResourceIsHealthyAsync(TimeSpan.FromSeconds(120));
                return appHost;
            }
            catch
            {
                // The caller gets no instance to dispose: end the AppHost here (its reaper ends its children).
                await appHost.DisposeAsync();
                throw;
            }
        }

        public void Kill() => _process.Kill();

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            // Whatever the test asserted, leave nothing running for the next one.
            foreach (var pid in ResourcePids.Where(ProcFs.IsRunning))
                Posix.Signal(pid, Posix.SigKill);
            _process.Dispose();
        }

        private async Task WaitUntilEveryResourceIsHealthyAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            while (true)
            {
                if (_process.HasExited)
                    throw new InvalidOperationException($"The AppHost exited ({_process.ExitCode}):\n{string.Join('\n', Lines)}");
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"The AppHost's resources were not healthy within {timeout}:\n{string.Join('\n', Lines)}");
                if (Lines.Select(l => DashboardLine().Match(l)).FirstOrDefault(m => m.Success) is { } dashboard)
                {
                    var resources = await http.GetFromJsonAsync<JsonElement>(dashboard.Groups[1].Value + "/api/resources");
                    var all = resources.EnumerateArray().ToList();
                    if (all.All(r => r.GetProperty("state").GetString() == "Running" && r.GetProperty("health").GetString() == "Healthy"))
                    {
                        ResourcePids = all.Where(r => r.GetProperty("pid").ValueKind == JsonValueKind.Number)
                            .Select(r => r.GetProperty("pid").GetInt32()).ToList();
                        Assert.Equal(4, ResourcePids.Count);
                        return;
                    }
                }

                await Task.Delay(250);
            }
        }

        private void Capture(string? line)
        {
            if (line is null)
                return;
            lock (_lines)
                _lines.Add(line);
        }
    }
}
