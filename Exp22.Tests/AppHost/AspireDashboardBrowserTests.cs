using System.Net.Http.Json;
using System.Text.Json;
using Exp22.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Exp22.Tests.AppHost;

/// <summary>
/// The real Aspire dashboard in Debian's Chromium (headless), driven as a user would: the resources healthy, a
/// seed run started from the api's command, "Drain" from the busy executor's row (Unhealthy, then Finished),
/// the run's trace across api and both executors in Traces, the engine's instruments in Metrics. The dashboard
/// is Blazor Server: every step waits on elements. Screenshots go to .artifacts/screenshots/.
/// </summary>
[Collection(AspireAppCollectionDefinition.Name)]
[Trait("Category", "Slow")]
public sealed class AspireDashboardBrowserTests(AspireAppFixture fixture)
{
    private const string HealthyTitle = "Running";
    private static readonly float Long = HeadlessChromium.Long;

    private AspireApp App => fixture.App;

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Drain_from_an_executors_row_turns_it_unhealthy_then_finished_and_the_runs_trace_spans_api_and_both_executors()
    {
        await using var chromium = await HeadlessChromium.OpenPageAsync();
        var page = chromium.Page;
        try
        {
            await WalkThroughAsync(page);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            // A browser timeout says which element never showed, not why: keep the page and the resources' story.
            await BrowserScreenshots.SaveAsync(page, "aspire-failure");
            throw new InvalidOperationException($"{e.Message}\n{await App.DescribeAsync()}", e);
        }
        finally
        {
            foreach (var executor in new[] { "executor-1", "executor-2" })
            {
                if ((await App.SnapshotAsync(executor)).State?.Text != HealthyTitle)
                    await App.StartAgainAsync(executor);
            }
        }
    }

    private async Task WalkThroughAsync(IPage page)
    {
        await page.GotoAsync(App.Dashboard!.ToString());
        foreach (var resource in AspireApp.Resources)
            await Expect(StateCell(page, resource)).ToHaveAttributeAsync("title", HealthyTitle, new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "aspire-1-resources");

        // A seed run from the api's command: 4 sub-workflows of 20 steps at the executor's 0.5–1.5 s a step,
        // longer than the 10 s an executor's drain waits, so the drain hands work over.
        await Row(page, "api").Locator("fluent-button[title=Actions]").ClickAsync();
        await page.GetByText("Start seed run").ClickAsync();
        await CommandInput(page, "Sub-workflows").FillAsync("4");
        await CommandInput(page, "Steps per sub-workflow").FillAsync("20");
        await BrowserScreenshots.SaveAsync(page, "aspire-2-start-seed-run");
        await page.Locator("fluent-dialog fluent-button", new() { HasTextString = "Start seed run" }).ClickAsync();
        await Expect(page.GetByText("\"Start seed run\" succeeded").First).ToBeVisibleAsync(new() { Timeout = Long });
        using var api = App.CreateHttpClient("api");
        var runId = (await api.GetFromJsonAsync<JsonElement>("/runs?limit=1")).GetProperty("runs")[0].GetProperty("runId").GetGuid();

        var busy = await App.BusyExecutorAsync();
        var survivor = busy == "executor-1" ? "executor-2" : "executor-1";
        await Row(page, busy).Locator("fluent-button[title^=Drain]").ClickAsync();
        await Expect(StateCell(page, busy)).ToContainTextAsync("Unhealthy", new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "aspire-3-draining");
        await Expect(StateCell(page, busy)).ToContainTextAsync("Finished", new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "aspire-4-drained");
        Assert.Equal(0, (await App.SnapshotAsync(busy)).ExitCode);

        var run = await ApiRuns.WaitUntilFinishedAsync(api, runId, TimeSpan.FromSeconds(120));
        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());

        // The run's trace, picked from the Traces list: one trace across api and both executors.
        await using var database = await App.DatabaseAsync();
        var traceId = await new RunDatabase(database).TraceIdAsync(runId);
        await DashboardTraces.WaitForAsync(App.Dashboard, traceId,
            spans => spans.Any(s => s.Resource == busy) && spans.Any(s => s.Resource == survivor), TimeSpan.FromSeconds(60));
        await page.GotoAsync(new Uri(App.Dashboard, "/traces").ToString());
        await page.Locator($"td[title*='Trace Id: {traceId}']").ClickAsync();
        await Expect(page.Locator("td[title='api: GET /']")).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator("td[title^='executor-1: ']").First).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator("td[title^='executor-2: ']").First).ToBeVisibleAsync(new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "aspire-5-run-trace");

        // The engine's instruments, exported by the executor that finished the run.
        await page.GotoAsync(new Uri(App.Dashboard, $"/metrics/resource/{survivor}").ToString());
        await page.Locator("fluent-tree-item[title='exp22.workflows.completed']").ClickAsync();
        await Expect(page.Locator("fluent-tree-item[title='exp22.workflows.step.duration']")).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator("svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "aspire-6-engine-metrics");
    }

    private static ILocator Row(IPage page, string resource) =>
        page.Locator("tr.resource-row", new()
        {
            Has = page.Locator("span.resource-name-text", new() { HasTextRegex = new($"^{resource}$") }),
        });

    private static ILocator StateCell(IPage page, string resource) => Row(page, resource).Locator("td[col-index='2']");

    private static ILocator CommandInput(IPage page, string label) =>
        page.Locator(".interaction-input", new() { Has = page.Locator("label", new() { HasTextString = label }) }).Locator("input");
}
