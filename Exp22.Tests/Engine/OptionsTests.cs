using Exp22.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Exp22.Tests.Engine;

public sealed class OptionsTests
{
    [Theory]
    [InlineData("Workflows:Concurrency", "0")]
    [InlineData("Workflows:ExecutorId", "has spaces")]
    [InlineData("Workflows:WorkflowCompletionTimeout", "-00:00:01")]
    [InlineData("Workflows:HeartbeatTimeout", "00:00:00.300")]
    [InlineData("Workflows:PollingInterval", "00:00:00")]
    [InlineData("Workflows:HandoverTimeout", "00:00:00")]
    [InlineData("Workflows:LeaveTimeout", "00:10:00")]
    [InlineData("Workflows:ApplicationVersion", "1.0 beta")]
    [InlineData("Workflows:ApplicationVersion", "1.0\n")]
    public async Task A_bad_setting_stops_the_start_with_a_message_naming_the_key(string key, string value)
    {
        var database = await TestPostgres.CreateDatabaseAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Engine.EngineHost.StartAsync(database, new Engine.ExecutionLog(), configure: s => s[key] = value));

        Assert.Contains(key, error.Message);
    }

    [Fact]
    public async Task An_executor_host_whose_shutdown_timeout_cannot_hold_the_drain_stops_at_start_naming_the_keys()
    {
        var database = await TestPostgres.CreateDatabaseAsync();

        // A plain generic host, without the services' defaults: the engine checks its own drain.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Engine.EngineHost.StartAsync(database, new Engine.ExecutionLog(), configure: s =>
            {
                s["HostOptions:ShutdownTimeout"] = "00:00:08";
                s["Workflows:WorkflowCompletionTimeout"] = "00:00:04";
                s["Workflows:HandoverTimeout"] = "00:00:03";
                s["Workflows:LeaveTimeout"] = "00:00:01";
            }));

        Assert.Contains("HostOptions:ShutdownTimeout (00:00:08)", error.Message);
        Assert.Contains("Workflows:WorkflowCompletionTimeout (00:00:04) + Workflows:HandoverTimeout (00:00:03) + Workflows:LeaveTimeout (00:00:01) = 00:00:08", error.Message);
    }

    [Fact]
    public void The_default_application_version_is_the_builds_informational_version_with_its_commit_or_module_id()
    {
        var build = typeof(OptionsTests).Assembly;
        var informational = build.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;

        var version = Exp22.Workflows.ApplicationVersion.Of(build);

        Assert.True(Exp22.Workflows.ApplicationVersion.IsValid(version), version);
        Assert.Equal(informational.Contains('+', StringComparison.Ordinal)
            ? informational
            : $"{informational}+{build.ManifestModule.ModuleVersionId:N}", version);
        Assert.Equal(Exp22.Workflows.ApplicationVersion.OfEntryAssembly(), new Exp22.Workflows.Execution.WorkflowsOptions().ApplicationVersion);
    }
}
