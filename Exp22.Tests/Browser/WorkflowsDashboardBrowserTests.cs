using System.Text.RegularExpressions;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;
using Exp22.Tests.WorkflowsDashboard;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Exp22.Tests.Browser;

/// <summary>
/// The workflows dashboard the API serves, in Debian's Chromium (headless), against the API and two
/// executor processes on a private PostgreSQL: start a run from the page, drain the executor running it
/// with SIGTERM, watch the countdown, the handover in the run's tree, and the run reach 100%.
/// Screenshots go to .artifacts/screenshots/ (workflows-*.png).
/// </summary>
public sealed class WorkflowsDashboardBrowserTests
{
    private static readonly float Long = HeadlessChromium.Long;
    private const string CompletionTimeout = "00:00:03";

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_run_started_from_the_page_is_handed_over_by_a_drain_the_page_shows_and_reaches_100_percent()
    {
        var database = await TestPostgres.CreateDatabaseAsync("workflows_browser");
        await using var api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = database,
            ["DOTNET_ENVIRONMENT"] = "Development",
        });
        var executors = new Dictionary<string, ServiceProcess>();
        foreach (var id in new[] { "exp22-executor-1", "exp22-executor-2" })
        {
            var environment = DashboardServices.ExecutorEnvironment(database, id);
            environment["Workflows__WorkflowCompletionTimeout"] = CompletionTimeout;
            executors[id] = ServiceProcess.Start("Exp22.Executor", id, environment);
        }

        try
        {
            await Task.WhenAll(executors.Values.Append(api).Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(60))));
            await using var chromium = await HeadlessChromium.OpenPageAsync();
            try
            {
                await WalkThroughAsync(chromium.Page, new Uri(api.BaseAddress, "/workflows/"), executors);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                await BrowserScreenshots.SaveAsync(chromium.Page, "workflows-failure");
                throw new InvalidOperationException(
                    $"{e.Message}\n{string.Join("\n", executors.Values.Append(api).Select(s => $"--- {s.Name}\n{s.Tail(15)}"))}", e);
            }
        }
        finally
        {
            foreach (var executor in executors.Values)
                await executor.DisposeAsync();
        }
    }

    private static async Task WalkThroughAsync(IPage page, Uri dashboard, Dictionary<string, ServiceProcess> executors)
    {
        await page.GotoAsync(new Uri(dashboard, "#/runs").ToString());
        var form = page.Locator("[data-start-form]");

        // The API's own validation, shown under the field it names.
        await form.Locator("input[name=subWorkflows]").FillAsync("0");
        await form.Locator("button[type=submit]").ClickAsync();
        await Expect(form.Locator("[data-error-for=subWorkflows]")).ToContainTextAsync("between 1 and 100");
        await BrowserScreenshots.SaveAsync(page, "workflows-1-validation");

        // 2 sub-workflows of 5 steps of 2 s: far longer than the executors' 3 s completion timeout.
        await form.Locator("input[name=subWorkflows]").FillAsync("2");
        await form.Locator("input[name=stepsPerWorkflow]").FillAsync("5");
        await form.Locator("input[name='stepDelayMs.min']").FillAsync("2000");
        await form.Locator("input[name='stepDelayMs.max']").FillAsync("2000");
        await form.Locator("button[type=submit]").ClickAsync();
        var result = form.Locator("[data-start-result]");
        await Expect(result).ToHaveAttributeAsync("data-run-id", new Regex("^[0-9a-f-]{36}$"));
        var runId = (await result.GetAttributeAsync("data-run-id"))!;
        await Expect(form.Locator("[data-error-for=subWorkflows]")).ToBeEmptyAsync();
        await Expect(page.Locator($"tr[data-run-id='{runId}'][data-status=RUNNING]")).ToBeVisibleAsync(new() { Timeout = Long });

        // The executor whose heartbeat lists a sub-workflow in flight gets SIGTERM, as Kubernetes sends it.
        await page.ClickAsync("nav a[data-page=executors]");
        var busyCard = page.Locator(".executor[data-state=running]:has([data-in-flight] li:has-text('demo-sub'))").First;
        await Expect(busyCard).ToBeVisibleAsync(new() { Timeout = Long });
        var busy = (await busyCard.GetAttributeAsync("data-executor"))!;
        var survivor = executors.Keys.Single(id => id != busy);
        executors[busy].Terminate();

        var draining = page.Locator($".executor[data-executor='{busy}'][data-state=draining]");
        await Expect(draining.Locator("[data-countdown]")).ToHaveTextAsync(new Regex(@"^\d+\.\d s$"), new() { Timeout = Long });
        var left = double.Parse((await draining.Locator("[data-countdown]").TextContentAsync())!.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(left, 0, 3);
        await Expect(draining.Locator("[data-in-flight] li").First).ToContainTextAsync("demo-sub");
        await BrowserScreenshots.SaveAsync(page, "workflows-2-executor-draining");

        await Expect(page.Locator($".executor[data-executor='{busy}'][data-state=gone] [data-gone=left]"))
            .ToContainTextAsync("after a drain of", new() { Timeout = Long });
        Assert.Equal(0, await executors[busy].WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // The run's tree: the handover marked on the sub-workflows it moved, then the run complete.
        await page.GotoAsync(new Uri(dashboard, $"#/runs/{runId}").ToString());
        var handover = page.Locator(".handover-note").First;
        await Expect(handover).ToContainTextAsync($"attempt 2: {busy} → {survivor}", new() { Timeout = Long });
        await Expect(handover).ToContainTextAsync("handed over by a drain");
        await Expect(page.Locator(".run-head[data-status=SUCCESS] [data-percent='100']")).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator($".lane-track .step[data-executor='{survivor}']").First).ToBeVisibleAsync();
        await Expect(page.Locator(".lane-track .mark").First).ToBeVisibleAsync();
        await BrowserScreenshots.SaveAsync(page, "workflows-3-run-tree-after-handover");

        await page.ClickAsync("nav a[data-page=runs]");
        await Expect(page.Locator($"tr[data-run-id='{runId}'][data-status=SUCCESS] [data-percent='100']")).ToBeVisibleAsync(new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "workflows-4-runs");

        await page.ClickAsync("nav a[data-page=overview]");
        await Expect(page.Locator("[data-status=SUCCESS] .figure")).ToHaveTextAsync("3", new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "workflows-5-overview");

        await ResumeAndForkAsync(page, dashboard);
    }

    // A run cancelled from its page, resumed there back to success, then forked from a step.
    private static async Task ResumeAndForkAsync(IPage page, Uri dashboard)
    {
        await page.ClickAsync("nav a[data-page=runs]");
        var form = page.Locator("[data-start-form]");
        await form.Locator("input[name=subWorkflows]").FillAsync("1");
        await form.Locator("input[name=stepsPerWorkflow]").FillAsync("4");
        await form.Locator("input[name='stepDelayMs.min']").FillAsync("1000");
        await form.Locator("input[name='stepDelayMs.max']").FillAsync("1000");
        await form.Locator("button[type=submit]").ClickAsync();
        var result = form.Locator("[data-start-result]");
        await Expect(result).ToHaveAttributeAsync("data-run-id", new Regex("^[0-9a-f-]{36}$"));
        var runId = (await result.GetAttributeAsync("data-run-id"))!;

        await page.GotoAsync(new Uri(dashboard, $"#/runs/{runId}").ToString());
        await Expect(page.Locator(".run-head[data-status=RUNNING]")).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator("[data-resume]")).ToHaveCountAsync(0);
        await page.ClickAsync($"[data-cancel='{runId}']");
        await Expect(page.Locator(".run-head[data-status=CANCELLED]")).ToBeVisibleAsync(new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "workflows-6-run-cancelled");

        await page.ClickAsync($"[data-resume='{runId}']");
        await Expect(page.Locator(".run-head[data-status=RUNNING], .run-head[data-status=ENQUEUED]")).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator(".run-head[data-status=SUCCESS] [data-percent='100']")).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator("[data-resume]")).ToHaveCountAsync(0);
        await BrowserScreenshots.SaveAsync(page, "workflows-7-run-resumed");

        var fork = page.Locator($"[data-fork-form='{runId}']");
        await fork.Locator("input[name=fromStep]").FillAsync("0");
        await fork.Locator("button[type=submit]").ClickAsync();
        await Expect(fork.Locator("[data-error-for=fromStep]")).ToContainTextAsync("fromStep must be an integer of 1 or more");
        await fork.Locator("input[name=fromStep]").FillAsync("2");
        await fork.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator($"[data-view=run]:not([data-run-id='{runId}']) .run-head[data-status=SUCCESS]")).ToBeVisibleAsync(new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "workflows-8-run-forked");
    }
}
