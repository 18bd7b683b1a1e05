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
    public async Task A_bad_setting_stops_the_start_with_a_message_naming_the_key(string key, string value)
    {
        var database = await TestPostgres.CreateDatabaseAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Engine.EngineHost.StartAsync(database, new Engine.ExecutionLog(), configure: s => s[key] = value));

        Assert.Contains(key, error.Message);
    }
}
