using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Exp22.Harness.Os;
using Exp22.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Exp22.Tests.AppHost;

/// <summary>
/// The whole app model (Exp22.AppHost's Program) started by Aspire.Hosting.Testing, beside whatever a user runs:
/// PostgreSQL from this machine's binaries in a data directory of its own, every endpoint on a random port
/// (the orchestrator randomizes the proxied ones and allocates the proxyless one), and, when asked, the real
/// Aspire dashboard on free ports.
/// </summary>
public sealed class AspireApp : IAsyncDisposable
{
    /// <summary>The five resources of the model, as the dashboard lists them.</summary>
    public static readonly string[] Resources = ["postgres", "exp22db", "api", "executor-1", "executor-2"];

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private readonly TestFolder _data;

    private AspireApp(DistributedApplication app, TestFolder data, Uri? dashboard)
    {
        App = app;
        _data = data;
        Dashboard = dashboard;
    }

    public DistributedApplication App { get; }

    /// <summary>The Aspire dashboard's address; null when started without it.</summary>
    public Uri? Dashboard { get; }

    public ResourceNotificationService Notifications => App.ResourceNotifications;

    public static async Task<AspireApp> StartAsync(bool withDashboard, params string[] settings)
    {
        var data = new TestFolder();
        string[] args =
        [
            "--AppHost:Postgres=LocalBinaries",
            $"--AppHost:DataDirectory={data.Path}",
            .. withDashboard
                ? new[]
                {
                    // The orchestrator proxies the dashboard on a random port; these are where it really listens.
                    $"--ASPNETCORE_URLS=http://127.0.0.1:{FreePort.Pick()}",
                    $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{FreePort.Pick()}",
                    $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://127.0.0.1:{FreePort.Pick()}",
                    "--ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true",
                }
                : [],
            .. settings,
        ];

        DistributedApplication? app = null;
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Exp22_AppHost>(
                args, (options, _) => options.DisableDashboard = !withDashboard, timeout.Token);
            app = await builder.BuildAsync(timeout.Token);
            await app.StartAsync(timeout.Token);
            foreach (var resource in Resources)
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
            var dashboard = withDashboard ? await app.GetDashboardUrlAsync(timeout.Token) : null;
            return new AspireApp(app, data, dashboard);
        }
        catch
        {
            if (app is not null)
                await app.DisposeAsync();
            data.Dispose();
            throw;
        }
    }

    public HttpClient CreateHttpClient(string resource) => App.CreateHttpClient(resource);

    /// <summary>The resource's current snapshot (the dashboard's view of it); by name, which the notifications also match.</summary>
    public async Task<CustomResourceSnapshot> SnapshotAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return (await Notifications.WaitForResourceAsync(resource, _ => true, timeout.Token)).Snapshot;
    }

    /// <summary>Everything the resource printed so far (its console log in the dashboard).</summary>
    public async Task<IReadOnlyList<string>> ConsoleLogAsync(string resource)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var lines = new List<string>();
        await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(model.Resources.Single(r => r.Name == resource)))
            lines.AddRange(batch.Select(line => line.Content));
        return lines;
    }

    /// <summary>The executor whose /status shows a workflow in flight with a step done.</summary>
    public async Task<string> BusyExecutorAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            foreach (var executor in new[] { "executor-1", "executor-2" })
            {
                using var http = CreateHttpClient(executor);
                var status = await http.GetFromJsonAsync<JsonElement>("/status", deadline.Token);
                if (status.GetProperty("inFlight").EnumerateArray().Any(w => w.GetProperty("stepsDone").GetInt32() > 0))
                    return executor;
            }

            await Task.Delay(200, deadline.Token);
        }
    }

    /// <summary>Starts a stopped resource again (the dashboard's Start) and waits until it is healthy.</summary>
    public async Task StartAgainAsync(string resource)
    {
        var started = await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        using var timeout = new CancellationTokenSource(StartTimeout);
        await Notifications.WaitForResourceHealthyAsync(resource, timeout.Token);
    }

    /// <summary>The app's database, as the services reach it.</summary>
    public async Task<NpgsqlDataSource> DatabaseAsync() =>
        NpgsqlDataSource.Create((await App.GetConnectionStringAsync("exp22db"))!);

    /// <summary>Every resource's state and last console lines, for a failure's message.</summary>
    public async Task<string> DescribeAsync()
    {
        var parts = new List<string>();
        foreach (var resource in Resources)
        {
            var snapshot = await SnapshotAsync(resource);
            var state = $"{snapshot.State?.Text}/{snapshot.HealthStatus} exit {snapshot.ExitCode}";
            parts.Add($"{resource}: {state}\n  " + string.Join("\n  ", (await ConsoleLogAsync(resource)).TakeLast(10)));
        }

        return string.Join('\n', parts);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        _data.Dispose();
    }
}
