using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.AppHost;

/// <summary>
/// Ctrl+C in the AppHost's terminal: no process of the app may be left behind, not the orchestrator (DCP),
/// the dashboard, PostgreSQL nor a service.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AppHostCtrlCTests
{
    private static readonly TimeSpan HealthyWithin = TimeSpan.FromSeconds(180);

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Ctrl_c_in_the_terminal_stops_every_process_of_the_app_and_exits_zero()
    {
        await using var appHost = await TerminalAppHost.StartAsync(HealthyWithin);
        appHost.AssertTheWholeAppRuns();

        await appHost.PressCtrlCAsync();

        Assert.Equal(0, await appHost.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        // The orchestrator's own processes clean up after the AppHost has gone.
        var left = await ProcFs.WaitUntilGoneAsync(appHost.Processes, TimeSpan.FromSeconds(60));
        Assert.True(left.Count == 0, $"Still running after Ctrl+C: {TerminalAppHost.Describe(left)}\n{appHost.Output}");
    }
}
