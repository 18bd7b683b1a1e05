using System.Globalization;
using System.Diagnostics;
using Exp22.Harness.Postgres;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.Postgres;

/// <summary>
/// A separate .NET process that owns a private server, so a test can SIGKILL the owner and watch what
/// happens to the server. It is this very test assembly run with <c>dotnet</c> and a startup hook
/// (<see cref="StartupHook"/>): no extra project, and the launcher code under test is the same build.
/// </summary>
internal sealed class OwnerProcess : IAsyncDisposable
{
    public const string ModeVariable = "EXP22_TEST_POSTGRES_OWNER";

    private readonly Process _process;

    private OwnerProcess(Process process, int postmasterPid, int guardianPid, string dataDirectory)
    {
        _process = process;
        PostmasterPid = postmasterPid;
        GuardianPid = guardianPid;
        DataDirectory = dataDirectory;
    }

    public int Pid => _process.Id;

    public int PostmasterPid { get; }

    public int GuardianPid { get; }

    public string DataDirectory { get; }

    /// <summary>Starts the owner and waits until its server accepts connections.</summary>
    public static async Task<OwnerProcess> StartAsync(TimeSpan timeout)
    {
        var assembly = typeof(OwnerProcess).Assembly.Location;
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(assembly);
        startInfo.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
        startInfo.Environment[ModeVariable] = "1";

        var process = Process.Start(startInfo)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
            var parts = line?.Split(' ', 4) ?? [];
            if (parts is not ["READY", var postmaster, var guardian, var dataDirectory])
                throw new InvalidOperationException($"The owner process did not start its server: {line} {await stderr}");
            return new OwnerProcess(process, int.Parse(postmaster, CultureInfo.InvariantCulture), int.Parse(guardian, CultureInfo.InvariantCulture), dataDirectory);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL: no handler, no finally, no ProcessExit runs in the owner.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
    }

    /// <summary>Runs in the owner process: start a server, report it, then live until killed or orphaned.</summary>
    internal static void Run()
    {
        try
        {
            var server = PostgresServer.StartAsync(PostgresFixture.PrivateServerOptions()).GetAwaiter().GetResult();
            Console.Out.WriteLine($"READY {server.ProcessId} {server.GuardianProcessId} {server.DataDirectory}");
            Console.Out.Flush();
            // Should the test process die first, our stdin closes: leave then, so a broken test leaves no owner behind.
            while (Console.In.ReadLine() is not null)
            {
            }

            Environment.Exit(0);
        }
        catch (Exception e)
        {
            Console.Out.WriteLine("FAILED " + e.ToString().ReplaceLineEndings(" | "));
            Environment.Exit(1);
        }
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            return hostPath;
        var processPath = Environment.ProcessPath;
        return processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath : "dotnet";
    }
}
