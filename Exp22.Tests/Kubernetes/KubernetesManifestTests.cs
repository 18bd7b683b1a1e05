using Exp22.Harness.Services;
using Xunit.Abstractions;

namespace Exp22.Tests.Kubernetes;

/// <summary>deploy/kubernetes against the timing budget of docs/kubernetes.md and the apps' own defaults.</summary>
public sealed class KubernetesManifestTests(ITestOutputHelper output)
{
    private static readonly string Folder = RepositoryRoot.File(Manifests.Folder);
    private static readonly string ApiAppSettings = RepositoryRoot.File("Exp22.Api/appsettings.json");
    private static readonly string ExecutorAppSettings = RepositoryRoot.File("Exp22.Executor/appsettings.json");

    private TimingBudget Check(Func<string, string>? edit = null)
    {
        var budget = TimingBudget.Check(Manifests.Load(Folder, edit), ApiAppSettings, ExecutorAppSettings);
        foreach (var figure in budget.Figures)
            output.WriteLine(figure);
        return budget;
    }

    [Fact]
    public void The_manifests_keep_every_inequality_of_the_timing_budget()
    {
        var budget = Check();

        Assert.Empty(budget.Violations);
        Assert.True(budget.Figures.Count >= 20, $"only {budget.Figures.Count} checks ran");
    }

    [Theory]
    [InlineData("terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 30", "api: terminationGracePeriodSeconds")]
    [InlineData("terminationGracePeriodSeconds: 40", "terminationGracePeriodSeconds: 25", "executor: terminationGracePeriodSeconds")]
    [InlineData("value: \"00:00:20\"\n            - name: Shutdown__RequestDrainTimeout", "value: \"00:00:08\"\n            - name: Shutdown__RequestDrainTimeout", "ALB: health check interval")]
    [InlineData("deregistration_delay.timeout_seconds=35", "deregistration_delay.timeout_seconds=10", "ALB: deregistration_delay")]
    [InlineData("value: \"00:00:35\"", "value: \"00:00:30\"", "api: HostOptions:ShutdownTimeout")]
    [InlineData("name: Workflows__HandoverTimeout\n              value: \"00:00:05\"", "name: Workflows__HandoverTimeout\n              value: \"00:00:09\"", "executor: HostOptions:ShutdownTimeout")]
    [InlineData("name: Workflows__LeaveTimeout\n              value: \"00:00:05\"", "name: Workflows__LeaveTimeout\n              value: \"00:00:09\"", "executor: HostOptions:ShutdownTimeout")]
    [InlineData("  minAvailable: 1", "  minAvailable: 2", "exp22-api: one PodDisruptionBudget")]
    [InlineData("fieldPath: metadata.name", "fieldPath: spec.nodeName", "executor: Workflows__ExecutorId")]
    public void A_manifest_that_breaks_the_budget_is_caught(string original, string broken, string violation)
    {
        var edited = false;
        var budget = Check(text =>
        {
            if (!text.Contains(original, StringComparison.Ordinal))
                return text;
            edited = true;
            return text.Replace(original, broken, StringComparison.Ordinal);
        });

        Assert.True(edited, $"no manifest contains {original}");
        Assert.Contains(budget.Violations, v => v.StartsWith(violation, StringComparison.Ordinal));
    }
}
