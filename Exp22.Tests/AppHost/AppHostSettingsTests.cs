using Aspire.Hosting.Testing;

namespace Exp22.Tests.AppHost;

/// <summary>A bad AppHost setting (the PostgreSQL choice, a port, a service's shutdown timing) stops the start, naming its key.</summary>
public sealed class AppHostSettingsTests
{
    [Theory]
    [InlineData("--AppHost:Executor:WorkflowCompletionTimeout=banana", "AppHost:Executor:WorkflowCompletionTimeout")]
    [InlineData("--AppHost:Executor:ShutdownTimeout=00:00:00", "AppHost:Executor:ShutdownTimeout")]
    [InlineData("--AppHost:Api:DrainDelay=-00:00:01", "AppHost:Api:DrainDelay")]
    [InlineData("--AppHost:Ports:Api=70000", "AppHost:Ports:Api")]
    [InlineData("--AppHost:Postgres=Oracle", "AppHost:Postgres")]
    [InlineData("--AppHost:Postgres=ConnectionString", "ConnectionStrings:exp22db")]
    public async Task A_bad_setting_stops_the_start_with_a_message_naming_its_key(string setting, string key)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Exp22_AppHost>(
                [setting, "--ConnectionStrings:exp22db="], timeout.Token);
            await using var app = await builder.BuildAsync(timeout.Token);
        });

        var messages = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains(key, messages);
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            yield return e;
    }
}
