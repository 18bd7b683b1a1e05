using System.Net.Http.Json;
using Exp22.Tests.WorkflowsDashboard;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Exp22.Tests.Browser;

/// <summary>
/// The versions section of the executors page, in headless Chromium, against the API and one executor
/// process: the executor's version is listed with it as latest, and a run pinned to a version no executor
/// runs is shown stranded. Screenshot: .artifacts/screenshots/workflows-versions.png.
/// </summary>
public sealed class VersionsBrowserTests(DashboardServices services) : IClassFixture<DashboardServices>
{
    private const string OldVersion = "0.9.0+old";

    [Fact]
    public async Task The_executors_page_shows_each_version_and_the_work_no_executor_can_run()
    {
        using (var http = new HttpClient { BaseAddress = services.Api.BaseAddress })
        {
            using var started = await http.PostAsJsonAsync("/runs", new { subWorkflows = 1, stepsPerWorkflow = 1, applicationVersion = OldVersion });
            started.EnsureSuccessStatusCode();
        }

        await using var chromium = await HeadlessChromium.OpenPageAsync();
        var page = chromium.Page;
        try
        {
            await page.GotoAsync(new Uri(services.Api.BaseAddress, "/workflows/#/executors").ToString());
            var stranded = page.Locator($"[data-versions] tr[data-version='{OldVersion}'][data-stranded=true]");
            await Expect(stranded).ToBeVisibleAsync(new() { Timeout = HeadlessChromium.Long });
            await Expect(stranded).ToContainTextAsync("none live");
            await Expect(stranded.Locator("td.number").First).ToHaveTextAsync("1");
            await Expect(page.Locator("[data-stranded-summary]")).ToContainTextAsync("1 workflow(s) of 1 version(s) have no live executor");

            var live = page.Locator("[data-versions] tr[data-stranded=false]:has-text('exp22-executor-1')");
            await Expect(live).ToBeVisibleAsync();
            await Expect(live).ToContainTextAsync("latest");
            await BrowserScreenshots.SaveAsync(page, "workflows-versions");
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            await BrowserScreenshots.SaveAsync(page, "workflows-versions-failure");
            throw;
        }
    }
}
