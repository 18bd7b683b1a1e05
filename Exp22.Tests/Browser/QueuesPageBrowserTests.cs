using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;
using Exp22.Tests.Monitoring;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Exp22.Tests.Browser;

/// <summary>
/// The dashboard's Queues page in headless Chromium, served by the API process, on the rows of
/// <see cref="QueueScenario"/>: limits (or "unlimited"), depth against the limits, starts in the period, the
/// oldest wait, a partitioned queue's partitions, and the link to the runs of a queue.
/// Saves .artifacts/screenshots/workflows-queues.png.
/// </summary>
public sealed class QueuesPageBrowserTests
{
    private static readonly float Long = HeadlessChromium.Long;

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_queues_page_shows_limits_and_depth_and_links_a_queue_to_its_runs()
    {
        var database = await TestPostgres.CreateDatabaseAsync("workflows_queues");
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = database,
            ["DOTNET_ENVIRONMENT"] = "Development",
        });
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        await QueueScenario.SeedAsync(database);
        await using var chromium = await HeadlessChromium.OpenPageAsync();
        var page = chromium.Page;
        try
        {
            await page.GotoAsync(new Uri(api.BaseAddress, "/workflows/#/runs").ToString());
            await page.ClickAsync("nav a[data-page=queues]");

            var limited = page.Locator($"tr[data-queue='{QueueScenario.Limited}']");
            await Expect(limited.Locator("[data-limits]")).ToHaveTextAsync("2 at once · 3 per executor · 5 starts / 1 min", new() { Timeout = Long });
            await Expect(limited.Locator("[data-enqueued]")).ToHaveTextAsync("2");
            await Expect(limited.Locator("[data-delayed]")).ToHaveTextAsync("1");
            await Expect(limited.Locator("[data-running]")).ToHaveTextAsync("2 / 2");
            await Expect(limited.Locator("[data-starts]")).ToHaveTextAsync("2 / 5");

            var unlimited = page.Locator($"tr[data-queue='{QueueScenario.Unlimited}']");
            await Expect(unlimited.Locator("[data-limits]")).ToHaveTextAsync("unlimited");
            await Expect(unlimited.Locator("[data-running]")).ToHaveTextAsync("1");
            await Expect(unlimited.Locator("[data-oldest]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^1 h 0 m$"));
            await Expect(unlimited).ToContainTextAsync("no live executor claims it");

            var partitioned = page.Locator($"tr[data-queue='{QueueScenario.Partitioned}']");
            await Expect(partitioned.Locator("[data-limits]")).ToHaveTextAsync("1 at once per partition · 10 starts / 1 min per partition");
            var partitions = page.Locator($"tr[data-partitions-of='{QueueScenario.Partitioned}']");
            await Expect(partitions).ToContainTextAsync("3 partitions with work");
            await Expect(partitions.Locator("li[data-partition=a]")).ToHaveTextAsync("a · 2 enqueued · 0 delayed · 1 / 1 running · 1 / 10 starts in period");
            await Expect(partitions.Locator("li[data-partition='']")).ToContainTextAsync("(no key)");
            await BrowserScreenshots.SaveAsync(page, "workflows-queues");

            await limited.Locator($"a[data-runs-of='{QueueScenario.Limited}']").ClickAsync();
            await Expect(page.Locator("[data-filters] input[name=queue]")).ToHaveValueAsync(QueueScenario.Limited);
            await Expect(page.Locator("[data-runs] tbody tr[data-run-id]")).ToHaveCountAsync(5, new() { Timeout = Long });
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            await BrowserScreenshots.SaveAsync(page, "workflows-queues-failure");
            throw new InvalidOperationException($"{e.Message}\n--- api\n{api.Tail(15)}", e);
        }
    }
}
