using Exp22.AppHost.Testing;
using Exp22.Tests.AppModel;
using Exp22.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Exp22.Tests.Browser;

/// <summary>
/// The dashboard's telemetry in Debian's Chromium (headless): from a run's tree to its trace across the
/// api and the executors, to the structured logs of that trace, to the engine's metrics.
/// Screenshots go to .artifacts/screenshots/.
/// </summary>
public sealed class TelemetryBrowserTests
{
    private static readonly float Long = HeadlessChromium.Long;

    [Fact]
    public async Task A_runs_trace_opens_from_its_tree_and_leads_to_its_logs_while_the_engine_metrics_chart()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync($"--ConnectionStrings:exp22db={database}");
        await using var app = await appHost.BuildAsync();
        await app.StartAsync();
        using (var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync("api", healthy.Token);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("executor", healthy.Token);
        }

        using var api = app.CreateHttpClient("api");
        var runId = await ApiRuns.StartAsync(api, subWorkflows: 3, steps: 2, minDelayMs: 100, maxDelayMs: 200);
        var run = await ApiRuns.WaitUntilFinishedAsync(api, runId, TimeSpan.FromSeconds(90));
        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());

        await using var chromium = await HeadlessChromium.OpenPageAsync();
        var page = chromium.Page;
        await page.GotoAsync(app.DashboardUrl!.ToString());

        await page.ClickAsync("#tabs button[data-tab=runs]");
        await page.ClickAsync($"#runs tr[data-run-id='{runId}']");
        await page.ClickAsync($"#run-tree[data-run-id='{runId}'] [data-role=run-trace]");

        // One trace: the api's request and enqueue, the run, its three sub-workflows and their six steps.
        var trace = page.Locator("section[data-panel=traces] .tm-trace");
        await Expect(trace).ToBeVisibleAsync();
        await Expect(trace.Locator(".tm-span-row[data-resource=api][data-span-name='enqueue demo-run']")).ToHaveCountAsync(1, new() { Timeout = Long });
        await Expect(trace.Locator(".tm-span-row[data-span-name='workflow demo-sub']")).ToHaveCountAsync(3, new() { Timeout = Long });
        await Expect(trace.Locator(".tm-span-row[data-span-name='step step-1']")).ToHaveCountAsync(3, new() { Timeout = Long });
        await Expect(trace.Locator(".tm-span-row[data-span-name='step step-2']")).ToHaveCountAsync(3, new() { Timeout = Long });
        await Expect(trace.Locator(".tm-span-row[data-span-name='workflow demo-run']").First).ToBeVisibleAsync();
        Assert.True(await trace.Locator(".tm-span-row[data-resource^='executor/']").CountAsync() >= 12);
        await BrowserScreenshots.SaveAsync(page, "5-run-trace");

        // Click-through to the logs of the same trace: every step's log line is there.
        await trace.Locator("[data-role=trace-logs]").ClickAsync();
        var logs = page.Locator("section[data-panel=logs]");
        await Expect(logs).ToBeVisibleAsync();
        await Expect(logs.Locator("tr[data-seq]:has-text('Executing step')")).ToHaveCountAsync(6, new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "6-logs-of-trace");

        // The engine's instruments as charts, fed by the executors' exports each second.
        await page.ClickAsync("#tabs button[data-tab=metrics]");
        var charts = page.Locator("section[data-panel=metrics]");
        foreach (var metric in new[] { "exp22.workflows.completed", "exp22.workflows.claimed", "exp22.workflows.step.duration", "exp22.workflows.in_flight" })
            await Expect(charts.Locator($".tm-chart[data-metric='{metric}'] svg path")).Not.ToHaveCountAsync(0, new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "7-engine-metrics");
    }
}
