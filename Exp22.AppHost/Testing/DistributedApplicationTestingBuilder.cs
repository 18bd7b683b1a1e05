using Exp22.AppHost.Model;

namespace Exp22.AppHost.Testing;

/// <summary>
/// The app model for tests, in the shape of Aspire.Hosting.Testing: the very definition
/// <c>dotnet run --project Exp22.AppHost</c> uses, with every port (the dashboard's too) picked free, so a
/// test run works beside a user's instance, and a throwaway PostgreSQL cluster unless
/// <c>ConnectionStrings:exp22db</c> is given (as an argument <c>--ConnectionStrings:exp22db=…</c> or in the environment).
/// </summary>
/// <example><code>
/// var appHost = await DistributedApplicationTestingBuilder.CreateAsync();
/// await using var app = await appHost.BuildAsync();
/// await app.StartAsync();
/// await app.ResourceNotifications.WaitForResourceHealthyAsync("api");
/// using var http = app.CreateHttpClient("api");
/// </code></example>
public static class DistributedApplicationTestingBuilder
{
    public static Task<DistributedApplicationBuilder> CreateAsync(params string[] args)
    {
        var builder = DistributedApplication.CreateBuilder(
            [$"--{AppHostSettings.SectionName}:{nameof(AppHostSettings.RandomPorts)}=true",
             $"--{AppHostSettings.SectionName}:{nameof(AppHostSettings.TemporaryData)}=true",
             .. args]);
        AppModelDefinition.Build(builder);
        return Task.FromResult(builder);
    }

    public static Task<DistributedApplication> BuildAsync(this DistributedApplicationBuilder builder) =>
        Task.FromResult(builder.Build());

    /// <summary>The dashboard's stop command: SIGTERM, then SIGKILL after the resource's grace. Returns once it has exited.</summary>
    public static Task StopResourceAsync(this DistributedApplication app, string name, CancellationToken ct = default) =>
        app.Orchestrator.ExecuteCommandAsync(name, Orchestration.ResourceCommands.Stop, ct);

    /// <summary>Starts a stopped resource; returns once it runs (wait for it to be healthy separately).</summary>
    public static Task StartResourceAsync(this DistributedApplication app, string name, CancellationToken ct = default) =>
        app.Orchestrator.ExecuteCommandAsync(name, Orchestration.ResourceCommands.Start, ct);
}
