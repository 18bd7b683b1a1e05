using Exp22.Harness.Os;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.AppHost;

/// <summary>
/// The AppHost ended the hard way (SIGKILL, a crash): the orchestrator, which watches the AppHost's pid, must
/// still leave no process of the app behind. A class of its own so that it runs beside the Ctrl+C test.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AppHostSigkillTests
{
    private static readonly TimeSpan HealthyWithin = TimeSpan.FromSeconds(180);

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Nothing_of_the_app_outlives_a_sigkilled_apphost()
    {
        await using var appHost = await TerminalAppHost.StartAsync(HealthyWithin);
        appHost.AssertTheWholeAppRuns();

        Posix.Signal(appHost.AppHostPid, Posix.SigKill);

        var left = await ProcFs.WaitUntilGoneAsync(appHost.Processes, TimeSpan.FromSeconds(90));
        Assert.True(left.Count == 0, $"Still running after the AppHost's SIGKILL: {TerminalAppHost.Describe(left)}");
    }
}
