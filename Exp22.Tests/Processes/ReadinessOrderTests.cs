using System.Diagnostics;
using System.Net;
using Exp22.Harness.Os;
using Exp22.Harness.Services;
using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows.Client;
using Exp22.Workflows.Schema;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Exp22.Tests.Processes;

/// <summary>
/// Readiness fails the moment an executor host starts to stop, whichever of AddServiceDefaults() and
/// AddExecutor() the host called first: on SIGTERM to a real process, and on a direct IHost.StopAsync
/// (which runs the services' StoppingAsync in reverse registration order before anything else).
/// </summary>
public sealed class ReadinessOrderTests(ITestOutputHelper output)
{
    private static Dictionary<string, string> Settings(string database) => new()
    {
        ["ConnectionStrings__exp22db"] = database,
        ["Workflows__ExecutorId"] = $"readiness-{Guid.NewGuid():N}",
        ["Workflows__WorkflowCompletionTimeout"] = "00:00:03",
        ["Workflows__HandoverTimeout"] = "00:00:02",
        ["Workflows__LeaveTimeout"] = "00:00:01",
        ["HostOptions__ShutdownTimeout"] = "00:00:20",
    };

    /// <summary>A database with one workflow in flight that outlasts the completion timeout.</summary>
    private static async Task<(string Database, NpgsqlDataSource DataSource, Guid RunId)> WorkInFlightAsync(string test)
    {
        var database = await TestPostgres.CreateDatabaseAsync(test);
        var dataSource = NpgsqlDataSource.Create(database);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var run = await new WorkflowClient(dataSource).EnqueueAsync<StepsWorkflow, StepsInput, int>(new StepsInput(1, StepDelayMs: 30_000));
        return (database, dataSource, run.RunId);
    }

    private static async Task WaitUntilRunningAsync(NpgsqlDataSource dataSource, Guid runId) =>
        await Eventually.TrueAsync(async () =>
            (await new WorkflowClient(dataSource).GetRunAsync(runId, CancellationToken.None))?.Status == Workflows.WorkflowStatus.Running,
            TimeSpan.FromSeconds(20), "the workflow to run");

    /// <summary>Polls /health/ready until it answers 503; returns how long that took.</summary>
    private static async Task<TimeSpan> UntilNotReadyAsync(Uri baseAddress, Func<bool> drainStillWaiting)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.True(drainStillWaiting(), "the drain's wait for the workflows in flight ended before readiness failed");
            using var response = await http.GetAsync("/health/ready");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                return clock.Elapsed;
            await Task.Delay(20);
        }
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(RegistrationOrder.ServiceDefaultsFirst)]
    [InlineData(RegistrationOrder.ExecutorFirst)]
    public async Task On_sigterm_readiness_fails_at_once_in_either_registration_order(RegistrationOrder order)
    {
        var (database, dataSource, runId) = await WorkInFlightAsync($"sigterm_{order}");
        await using var _ = dataSource;
        var environment = Settings(database);
        environment[ComposedExecutor.OrderVariable] = order.ToString();
        environment["DOTNET_STARTUP_HOOKS"] = typeof(ComposedExecutor).Assembly.Location;
        await using var executor = ServiceProcess.StartAssembly(typeof(ComposedExecutor).Assembly.Location, $"executor ({order})", environment);
        await executor.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        await WaitUntilRunningAsync(dataSource, runId);

        executor.Terminate();
        var notReadyAfter = await UntilNotReadyAsync(executor.BaseAddress,
            () => !executor.Lines.Any(l => l.Contains("still running")));
        var exitCode = await executor.WaitForExitAsync(TimeSpan.FromSeconds(20));
        output.WriteLine($"{order}: /health/ready answered 503 {notReadyAfter.TotalMilliseconds:0} ms after SIGTERM");

        Assert.Equal(0, exitCode);
        Assert.Contains(executor.Lines, l => l.Contains("Drain complete"));
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(RegistrationOrder.ServiceDefaultsFirst)]
    [InlineData(RegistrationOrder.ExecutorFirst)]
    public async Task On_a_direct_host_stop_readiness_fails_at_once_in_either_registration_order(RegistrationOrder order)
    {
        var (database, dataSource, runId) = await WorkInFlightAsync($"stop_{order}");
        await using var _ = dataSource;
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort.Pick()}");
        var args = Settings(database).Select(setting => $"--{setting.Key.Replace("__", ":", StringComparison.Ordinal)}={setting.Value}")
            .Append($"--urls={baseAddress}").ToArray();
        await using var app = ComposedExecutor.Build(order, args);
        await app.StartAsync();
        await WaitUntilRunningAsync(dataSource, runId);

        var stopping = app.StopAsync();
        var notReadyAfter = await UntilNotReadyAsync(baseAddress, () => !stopping.IsCompleted);
        await stopping;
        output.WriteLine($"{order}: /health/ready answered 503 {notReadyAfter.TotalMilliseconds:0} ms after StopAsync began");
    }
}
