using System.Net;
using System.Net.Sockets;
using Exp22.AppHost.Dashboard;
using Exp22.AppHost.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Exp22.AppHost.Model;

/// <summary>
/// The running app model: every resource supervised by the <see cref="Orchestrator"/>, and the dashboard's
/// web host (which is also the host whose Ctrl+C stops everything, in reverse dependency order).
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ChildReaper _reaper;
    private readonly IReadOnlyList<int> _fixedPorts;
    private bool _disposed;

    internal DistributedApplication(
        WebApplicationBuilder web, Orchestrator orchestrator, ResourceNotificationService notifications, ChildReaper reaper,
        AppHostSettings settings, DashboardResource? dashboard, int? dashboardPort,
        Func<ProjectResource, IReadOnlyList<ProjectReplica>> replicasOf)
    {
        Orchestrator = orchestrator;
        ResourceNotifications = notifications;
        _reaper = reaper;
        DashboardUrl = dashboardPort is { } port ? new Uri($"http://localhost:{port}") : null;
        _fixedPorts = settings.RandomPorts ? [] : FixedPorts(orchestrator, dashboardPort);

        web.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        web.Logging.AddSimpleConsole(o =>
        {
            o.TimestampFormat = "HH:mm:ss ";
            o.SingleLine = true;
        });
        // Loopback only: the dashboard starts and stops processes; nobody else on the network may.
        web.WebHost.UseUrls(dashboardPort is { } listen ? $"http://127.0.0.1:{listen}" : "http://127.0.0.1:0");
        web.Services.AddSingleton(this);
        web.Services.AddSingleton(orchestrator);
        web.Services.AddSingleton(notifications);
        web.Services.AddHostedService<ResourceLifecycle>();
        if (dashboard is not null)
            web.Services.AddDashboard(dashboard, replicasOf);

        _app = web.Build();
        if (dashboard is not null)
            _app.MapDashboard();
    }

    /// <summary>Aspire's entry point: <c>DistributedApplication.CreateBuilder(args)</c>.</summary>
    public static DistributedApplicationBuilder CreateBuilder(string[] args) => DistributedApplicationBuilder.CreateBuilder(args);

    public Orchestrator Orchestrator { get; }

    public ResourceNotificationService ResourceNotifications { get; }

    /// <summary>Where the dashboard listens (on 127.0.0.1); null without one.</summary>
    public Uri? DashboardUrl { get; }

    /// <summary>Starts the dashboard and every resource; returns once each runs or has failed to start.</summary>
    /// <exception cref="StartFailedException">A fixed port is taken.</exception>
    public async Task StartAsync(CancellationToken ct = default)
    {
        var taken = _fixedPorts.Where(port => !IsFree(port)).ToList();
        if (taken.Count > 0)
        {
            throw new StartFailedException(
                $"Port{(taken.Count > 1 ? "s" : "")} {string.Join(", ", taken)} already in use: another Exp22 AppHost (or another program) " +
                $"is running. Stop it (ss -ltnp 'sport = :{taken[0]}' shows which), then start again.");
        }

        await _app.StartAsync(ct);
    }

    /// <summary>Stops every resource in reverse dependency order (drains included), then the dashboard.</summary>
    public Task StopAsync(CancellationToken ct = default) => _app.StopAsync(ct);

    /// <summary>Runs until Ctrl+C / SIGTERM. A start failure is printed as one line and the exit code set to 1.</summary>
    public async Task RunAsync(CancellationToken ct = default)
    {
        try
        {
            await StartAsync(ct);
            await _app.WaitForShutdownAsync(ct);
        }
        catch (StartFailedException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            await DisposeAsync();
        }
    }

    /// <summary>An <see cref="HttpClient"/> for a resource's HTTP endpoint (its first replica), as Aspire's testing does.</summary>
    public HttpClient CreateHttpClient(string resourceName) =>
        new() { BaseAddress = GetEndpoint(resourceName) };

    public Uri GetEndpoint(string resourceName)
    {
        var endpoint = Orchestrator.Instances.OfType<ProjectReplica>()
            .FirstOrDefault(r => r.Name == resourceName || r.Snapshot.Resource == resourceName)?.Endpoint;
        return endpoint ?? throw new ArgumentException($"'{resourceName}' has no HTTP endpoint.", nameof(resourceName));
    }

    /// <summary>A database's connection string, as its projects receive it (the database must be running).</summary>
    public async Task<string> GetConnectionStringAsync(string resourceName, CancellationToken ct = default)
    {
        await ResourceNotifications.WaitForResourceHealthyAsync(resourceName, ct);
        return Orchestrator.Find(resourceName) is PostgresDatabaseInstance database
            ? database.ConnectionString
            : throw new ArgumentException($"'{resourceName}' is not a database.", nameof(resourceName));
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
            _reaper.Dispose();
        }
    }

    private static List<int> FixedPorts(Orchestrator orchestrator, int? dashboardPort)
    {
        var ports = orchestrator.Instances.OfType<ProjectReplica>()
            .Where(r => r.Endpoint is { Host: "localhost" })
            .Select(r => r.Endpoint!.Port)
            .ToList();
        if (dashboardPort is { } port)
            ports.Insert(0, port);
        return ports;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
