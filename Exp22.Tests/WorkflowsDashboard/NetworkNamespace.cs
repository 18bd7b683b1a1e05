using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Exp22.Tests.WorkflowsDashboard;

/// <summary>
/// A network namespace of the test's own whose loopback device also carries <see cref="Address"/>, an
/// address that is not loopback: a server and a client inside it talk over that address without any
/// traffic leaving the namespace. Needs root and iproute2 (<c>ip netns</c>), as CI has.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    public const string Address = "169.254.222.2";

    private readonly List<Process> _processes = [];

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        Assert.True(Environment.UserName == "root", "network namespaces need root");
        var space = new NetworkNamespace($"exp22-dash-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        await RunAsync("ip", "netns", "add", space.Name);
        await space.ExecAsync("ip", "link", "set", "lo", "up");
        await space.ExecAsync("ip", "addr", "add", $"{Address}/32", "dev", "lo");
        return space;
    }

    /// <summary>Runs a command inside the namespace to completion; its standard output.</summary>
    public Task<string> ExecAsync(params string[] command) => RunAsync("ip", ["netns", "exec", Name, .. command]);

    /// <summary>Starts a long-running command inside the namespace, its output collected into <paramref name="lines"/>.</summary>
    public Process Start(IReadOnlyDictionary<string, string> environment, ConcurrentQueue<string> lines, params string[] command)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["netns", "exec", Name, .. command])
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}");
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        await RunAsync("ip", "netns", "delete", Name);
    }
}
