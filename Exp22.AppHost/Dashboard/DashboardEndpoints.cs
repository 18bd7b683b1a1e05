using System.Text.Json;
using Exp22.AppHost.Orchestration;
using Exp22.AppHost.Telemetry.Api;
using Exp22.AppHost.Telemetry.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Exp22.AppHost.Dashboard;

/// <summary>
/// The dashboard's HTTP surface: the page, a Server-Sent Events stream of resources and runs, a console log
/// stream per resource, resource commands, and the run endpoints forwarded to the API. Telemetry tabs add
/// their own endpoints beside these.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    internal static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseExceptionHandler();
        DashboardAssets.Map(app);
        var api = app.MapGroup("/api");
        api.MapGet("/resources", (ResourceNotificationService notifications, DrainStatusFeed drains) =>
            Results.Json(ResourcesView(notifications, drains), Json));
        api.MapGet("/events", StreamEventsAsync);
        api.MapGet("/resources/{name}/logs", StreamLogsAsync);
        api.MapPost("/resources/{name}/commands/{command}", ExecuteCommand);
        api.MapPost("/runs", StartRunAsync);
        api.MapGet("/runs/{id:guid}", GetRunAsync);
        app.MapOtlpReceiver();
        app.MapTelemetryApi();
        app.MapTelemetryUi();
        return app;
    }

    private static object ResourcesView(ResourceNotificationService notifications, DrainStatusFeed drains) =>
        notifications.All.Select(s => new
        {
            s.Name,
            s.Resource,
            s.Type,
            s.State,
            s.Health,
            s.Pid,
            s.StartedAt,
            s.StoppedAt,
            s.ExitCode,
            s.Endpoints,
            s.Message,
            Status = drains.Latest.TryGetValue(s.Name, out var status) ? status : (JsonElement?)null,
        }).ToList();

    /// <summary>One stream per open page: resources on every change (and each second, for uptimes and drains), runs each second.</summary>
    private static async Task StreamEventsAsync(
        HttpContext http, ResourceNotificationService notifications, DrainStatusFeed drains, RunsApi runs, ILoggerFactory loggers)
    {
        var ct = http.RequestAborted;
        var logger = loggers.CreateLogger(typeof(DashboardEndpoints));
        var sse = await ServerSentEvents.StartAsync(http);
        var nextRuns = DateTimeOffset.MinValue;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var version = notifications.Version;
                await sse.SendAsync("resources", JsonSerializer.Serialize(ResourcesView(notifications, drains), Json), ct);
                if (runs.IsConfigured && DateTimeOffset.UtcNow >= nextRuns)
                {
                    nextRuns = DateTimeOffset.UtcNow + RefreshInterval;
                    try
                    {
                        await sse.SendAsync("runs", (await runs.RecentRunsAsync(ct)).ToJsonString(), ct);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
                    {
                        // The API is starting, stopped or restarting: say so instead of an empty list.
                        await sse.SendAsync("runs-unavailable", JsonSerializer.Serialize(new { error = e.Message }, Json), ct);
                        logger.LogDebug(e, "Runs not available from the API");
                    }
                }

                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                tick.CancelAfter(RefreshInterval);
                try
                {
                    await notifications.WaitForChangeAsync(version, tick.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // A quiet second: send again anyway.
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    /// <summary>The kept console lines after <c>after</c> (default: all kept), then every new line as it comes.</summary>
    private static async Task StreamLogsAsync(string name, long? after, HttpContext http, Orchestrator orchestrator)
    {
        if (orchestrator.Find(name) is not { } instance)
        {
            await Results.Problem(statusCode: 404, title: $"No resource named '{name}'.").ExecuteAsync(http);
            return;
        }

        var ct = http.RequestAborted;
        var sse = await ServerSentEvents.StartAsync(http);
        var last = after ?? 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var lines = instance.Log.After(last);
                if (lines.Count > 0)
                {
                    last = lines[^1].Sequence;
                    await sse.SendAsync("lines", JsonSerializer.Serialize(lines, Json), ct);
                }

                await instance.Log.WaitForLinesAfterAsync(last, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away or switched resource.
        }
    }

    /// <summary>Accepted at once: a stop may take an executor's whole drain; the page follows the state instead.</summary>
    private static IResult ExecuteCommand(string name, string command, Orchestrator orchestrator, ILoggerFactory loggers)
    {
        if (orchestrator.Find(name) is null)
            return Results.Problem(statusCode: 404, title: $"No resource named '{name}'.");
        if (command is not (ResourceCommands.Start or ResourceCommands.Stop or ResourceCommands.Restart))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["command"] = [$"'{command}' is not a command: use start, stop or restart."],
            });
        }

        var logger = loggers.CreateLogger(typeof(DashboardEndpoints));
        _ = Task.Run(async () =>
        {
            try
            {
                await orchestrator.ExecuteCommandAsync(name, command);
            }
            catch (Exception e)
            {
                logger.LogError(e, "The {Command} command on {Resource} failed", command, name);
            }
        });
        return Results.Accepted(value: new { name, command });
    }

    private static async Task<IResult> StartRunAsync(HttpContext http, RunsApi runs)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        return await ForwardAsync(runs, HttpMethod.Post, "/runs", body, http.RequestAborted);
    }

    private static Task<IResult> GetRunAsync(Guid id, HttpContext http, RunsApi runs) =>
        ForwardAsync(runs, HttpMethod.Get, $"/runs/{id}", null, http.RequestAborted);

    private static async Task<IResult> ForwardAsync(RunsApi runs, HttpMethod method, string path, string? body, CancellationToken ct)
    {
        if (!runs.IsConfigured)
            return Results.Problem(statusCode: 503, title: "The app model gives the dashboard no API to start runs with.");
        try
        {
            var (status, contentType, content) = await runs.ForwardAsync(method, path, body, ct);
            return Results.Content(content, contentType, statusCode: status);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return Results.Problem(statusCode: 503, title: "The API is not reachable.", detail: e.Message);
        }
    }
}
