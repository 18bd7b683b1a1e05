using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Exp22.Harness.Postgres;
using Exp22.Harness.Services;
using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Exp22.Tests.Security;

/// <summary>
/// No log line carries the database password: the API and an executor on a password-protected server,
/// through a run, a database outage (where connection errors get logged) and a drain, plus an API whose
/// connection string is malformed (where the startup message quotes the problem).
/// </summary>
public sealed class PasswordInLogsTests(ITestOutputHelper output)
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task The_password_of_the_connection_string_never_appears_in_any_log_line()
    {
        var password = "Pw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var options = PostgresFixture.PrivateServerOptions();
        options.User = "exp22";
        options.Password = password;
        var server = await PostgresServer.StartAsync(options);
        await server.CreateDatabaseAsync("exp22db");
        var connectionString = server.GetConnectionString("exp22db");
        Assert.Contains(password, connectionString);

        var common = new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = connectionString,
            ["Logging__LogLevel__Default"] = "Debug",
            ["Shutdown__DrainDelay"] = "00:00:01",
        };
        await using var api = ServiceProcess.Start("Exp22.Api", "api", common);
        await using var executor = ServiceProcess.Start("Exp22.Executor", "executor", new Dictionary<string, string>(common)
        {
            ["Demo__StepDelayMinMs"] = "10",
            ["Demo__StepDelayMaxMs"] = "20",
        });
        await using var malformed = ServiceProcess.Start("Exp22.Api", "api-malformed", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = $"Host=127.0.0.1;Password={password};Port=not-a-port;Username=exp22",
        });
        await Task.WhenAll(api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)), executor.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };

        var started = await http.GetFromJsonAsync<JsonElement>("/?n_sub_workflows=2&n_steps_per_workflow=2");
        var statusUrl = started.GetProperty("statusUrl").GetString();
        await Eventually.TrueAsync(async () =>
            (await http.GetFromJsonAsync<JsonElement>(statusUrl)).GetProperty("status").GetString() == "SUCCESS",
            TimeSpan.FromSeconds(30), "the run to succeed");

        // The outage: connection failures get logged by the API's handlers and health checks, and by the executor.
        await server.StopAsync();
        using var down = await http.GetAsync("/?n_sub_workflows=1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(20), "readiness to fail while the database is down");
        await Task.Delay(TimeSpan.FromSeconds(3));

        api.Terminate();
        executor.Terminate();
        await api.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await executor.WaitForExitAsync(TimeSpan.FromSeconds(60));
        await malformed.WaitForExitAsync(TimeSpan.FromSeconds(30));

        var lines = api.Lines.Select(l => ("api", l))
            .Concat(executor.Lines.Select(l => ("executor", l)))
            .Concat(malformed.Lines.Select(l => ("api-malformed", l)))
            .ToList();
        output.WriteLine($"{lines.Count} lines captured (api {api.Lines.Count}, executor {executor.Lines.Count}, malformed api {malformed.Lines.Count})");
        Assert.Contains(malformed.Lines, line => line.Contains("cannot start"));
        Assert.Contains(api.Lines, line => line.Contains("Database unavailable"));
        var leaks = lines.Where(l => l.Item2.Contains(password, StringComparison.Ordinal)).ToList();
        Assert.True(leaks.Count == 0, "the password appears in:\n" + string.Join('\n', leaks.Select(l => $"{l.Item1}: {l.Item2}")));
    }
}
