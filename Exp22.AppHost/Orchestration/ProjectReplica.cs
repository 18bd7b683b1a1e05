using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Exp22.Harness.Os;

namespace Exp22.AppHost.Orchestration;

/// <summary>
/// One replica of a project: <c>setsid dotnet &lt;dll&gt;</c> with its environment, its console kept in
/// <see cref="ResourceInstance.Log"/>, its health probed over HTTP. Stop = SIGTERM, then SIGKILL to its
/// process group only once <see cref="ProjectReplicaSettings.StopGrace"/> has passed.
/// </summary>
internal sealed class ProjectReplica : ResourceInstance
{
    private readonly ProjectReplicaSettings _settings;
    private readonly ProjectOutputs _outputs;
    private readonly ChildReaper _reaper;
    private readonly HttpClient _probe;
    private int _pid;
    private Uri? _endpoint;
    private Task _exited = Task.CompletedTask;

    public ProjectReplica(
        ProjectReplicaSettings settings, ProjectOutputs outputs, ChildReaper reaper,
        ResourceNotificationService notifications, TimeProvider time)
        : base(settings.Name, settings.Resource, "Project", settings.Endpoint is null ? [] : [settings.Endpoint.ToString()], notifications, time)
    {
        _settings = settings;
        _outputs = outputs;
        _reaper = reaper;
        _probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        _endpoint = settings.Endpoint;
    }

    public Uri? Endpoint => _endpoint;

    protected override async Task LaunchAsync(CancellationToken ct)
    {
        var dll = await _outputs.DllOfAsync(_settings.ProjectName, Log, ct);
        if (_endpoint is { } endpoint && !IsPortFree(endpoint.Port))
        {
            // A free port picked earlier may have been taken since (by any program's outgoing connection, even):
            // a chosen port is a conflict to report, a picked one is simply picked again.
            if (!_settings.PortIsPicked)
            {
                throw new StartFailedException(
                    $"port {endpoint.Port} ({_settings.Name}) is already in use: stop what listens there (ss -ltnp 'sport = :{endpoint.Port}'), or change the port in the app model.");
            }

            _endpoint = new Uri($"http://127.0.0.1:{FreePort.Pick()}");
            ChangeEndpoints([_endpoint.ToString()]);
        }

        // setsid: the replica leads its own process group, which the reaper can kill as a whole, and a
        // Ctrl+C in the AppHost's terminal does not reach it (the AppHost stops it in order, with its drain).
        var startInfo = new ProcessStartInfo("setsid")
        {
            ArgumentList = { DotnetHost.Path, dll },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in await _settings.Environment(_endpoint, ct))
            startInfo.Environment[name] = value;

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Log.Append(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log.Append(e.Data, isError: true); };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new StartFailedException($"could not start {_settings.ProjectName}: {e.Message}", e);
        }

        _reaper.Watch(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _pid = process.Id;
        Log.Append($"[apphost] started {_settings.Name} (pid {process.Id}): dotnet {dll}");
        Running(process.Id);
        _exited = WatchExitAsync(process);
    }

    protected override async Task TerminateAsync()
    {
        // Once it has exited its pid may belong to someone else: signal only a process we still wait for.
        if (_exited.IsCompleted)
            return;
        var pid = _pid;
        Posix.Signal(pid, Posix.SigTerm);
        if (await Task.WhenAny(_exited, Task.Delay(_settings.StopGrace, Time)) != _exited)
        {
            Log.Append($"[apphost] {_settings.Name} did not exit within its stop grace of {_settings.StopGrace.TotalSeconds:0} s: SIGKILL", isError: true);
            if (!_exited.IsCompleted)
                Posix.SignalGroup(pid, Posix.SigKill);
        }

        await _exited;
    }

    protected override async Task<HealthStatus> ProbeAsync(CancellationToken ct)
    {
        if (_endpoint is not { } endpoint || _settings.HealthCheckPath is null)
            return HealthStatus.Healthy;
        try
        {
            using var response = await _probe.GetAsync(new Uri(endpoint, _settings.HealthCheckPath), ct);
            return response.IsSuccessStatusCode ? HealthStatus.Healthy : HealthStatus.Unhealthy;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return HealthStatus.Unhealthy;
        }
    }

    private async Task WatchExitAsync(Process process)
    {
        await process.WaitForExitAsync(CancellationToken.None);
        // Drains the redirected output: the last lines arrive after the exit itself.
        process.WaitForExit();
        var exitCode = process.ExitCode;
        _reaper.Forget(process.Id);
        Log.Append($"[apphost] {_settings.Name} exited with code {exitCode}");
        process.Dispose();
        Exited(exitCode);
    }

    private static bool IsPortFree(int port)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <param name="Name">The replica's name, e.g. <c>executor-2</c>.</param>
/// <param name="Resource">The app model's resource, e.g. <c>executor</c>.</param>
/// <param name="PortIsPicked">The endpoint's port was picked free (tests, or no port in the model), not chosen by the model.</param>
/// <param name="Environment">Computed at each start, for the endpoint of that start: connection strings exist only once the database runs.</param>
internal sealed record ProjectReplicaSettings(
    string Name,
    string Resource,
    string ProjectName,
    Uri? Endpoint,
    bool PortIsPicked,
    string? HealthCheckPath,
    TimeSpan StopGrace,
    Func<Uri?, CancellationToken, Task<IReadOnlyDictionary<string, string>>> Environment);
