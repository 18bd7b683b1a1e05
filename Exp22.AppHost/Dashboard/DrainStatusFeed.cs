using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Exp22.AppHost.Orchestration;
using Microsoft.Extensions.Hosting;

namespace Exp22.AppHost.Dashboard;

/// <summary>
/// The latest <c>/status</c> of every executor replica (running or draining, in-flight workflows, the drain
/// deadline), polled twice a second while the replica runs or stops: the drain is what the page shows live.
/// </summary>
internal sealed class DrainStatusFeed(IReadOnlyList<ProjectReplica> replicas, string statusPath, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<string, JsonElement> _latest = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>Replica name → its last status; a replica that is not running has none.</summary>
    public IReadOnlyDictionary<string, JsonElement> Latest => _latest;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, time);
        do
        {
            await Task.WhenAll(replicas.Select(r => PollAsync(r, stoppingToken)));
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private async Task PollAsync(ProjectReplica replica, CancellationToken ct)
    {
        if (replica.Endpoint is null || replica.Snapshot.State is not (ResourceState.Running or ResourceState.Stopping))
        {
            _latest.TryRemove(replica.Name, out _);
            return;
        }

        try
        {
            using var response = await _http.GetAsync(new Uri(replica.Endpoint, statusPath), ct);
            if (response.IsSuccessStatusCode)
                _latest[replica.Name] = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            // Starting, or gone since: keep the last status, it shows how the drain ended.
        }
    }
}
