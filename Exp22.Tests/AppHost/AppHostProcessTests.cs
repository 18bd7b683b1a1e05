using Exp22.Harness.Os;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.AppHost;

/// <summary>
/// The AppHost ended the two ways a terminal ends it: Ctrl+C, and the hard way (SIGKILL). Either way no process
/// of the app may be left behind: not the orchestrator (DCP), the dashboard, PostgreSQL nor a service.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AppHostProcessTests
{
    private static readonly TimeSpan HealthyWithin = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Ctrl_c_in_the_terminal_stops_every_process_of_the_app_and_exits_zero()
    {
        await using var appHost = await TerminalAppHost.StartAsync(HealthyWithin);
        AssertTheWholeAppRuns(appHost);

        await appHost.PressCtrlCAsync();

        Assert.Equal(0, await appHost.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        // The orchestrator's own processes clean up after the AppHost has gone.
        var left = await ProcFs.WaitUntilGoneAsync(appHost.Processes, TimeSpan.FromSeconds(60));
        Assert.True(left.Count == 0, $"Still running after Ctrl+C: {Describe(left)}\n{appHost.Output}");
    }

    [Fact]
    public async Task Nothing_of_the_app_outlives_a_sigkilled_apphost()
    {
        await using var appHost = await TerminalAppHost.StartAsync(HealthyWithin);
        AssertTheWholeAppRuns(appHost);

        Posix.Signal(appHost.AppHostPid, Posix.SigKill);

        var left = await ProcFs.WaitUntilGoneAsync(appHost.Processes, TimeSpan.FromSeconds(90));
        Assert.True(left.Count == 0, $"Still running after the AppHost's SIGKILL: {Describe(left)}");
    }

    private static void AssertTheWholeAppRuns(TerminalAppHost appHost)
    {
        var commandLines = appHost.Processes.Select(ProcFs.CommandLineOf).ToList();
        Assert.Contains(commandLines, c => c.Contains("dcp", StringComparison.Ordinal) && c.Contains("--monitor", StringComparison.Ordinal));
        Assert.Contains(commandLines, c => c.Contains("Aspire.Dashboard", StringComparison.Ordinal));
        Assert.Contains(commandLines, c => c.Contains("postgres -D", StringComparison.Ordinal));
        Assert.Equal(3, commandLines.Count(c => c.StartsWith("dotnet run --project", StringComparison.Ordinal) && !c.Contains("Exp22.AppHost", StringComparison.Ordinal)));
    }

    private static string Describe(IEnumerable<int> pids) =>
        string.Join("; ", pids.Select(pid => $"{pid} {ProcFs.CommandLineOf(pid)}"));
}
