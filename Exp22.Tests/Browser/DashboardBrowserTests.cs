using Exp22.AppHost.Model;
using Exp22.AppHost.Testing;
using Exp22.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Exp22.Tests.Browser;

/// <summary>
/// The dashboard in Debian's Chromium (headless), driven as a user would: start a run from the form and
/// watch it complete; stop the executor that runs a workflow and watch it drain while the run still
/// completes. Screenshots go to .artifacts/screenshots/.
/// </summary>
public sealed class DashboardBrowserTests
{
    private static readonly float Long = HeadlessChromium.Long;

    [Fact]
    public async Task A_run_started_from_the_dashboard_completes_and_a_stopped_executor_drains_while_its_run_completes()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync($"--ConnectionStrings:exp22db={database}");
        await using var app = await appHost.BuildAsync();
        await app.StartAsync();

        await using var chromium = await HeadlessChromium.OpenPageAsync();
        var page = chromium.Page;
        try
        {
            await WalkThroughAsync(app, page);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            // A browser timeout says which element never showed, not why: keep the page and the resources' story.
            await BrowserScreenshots.SaveAsync(page, "failure");
            throw new InvalidOperationException($"{e.Message}\n{Diagnostics(app)}", e);
        }
    }

    private static async Task WalkThroughAsync(DistributedApplication app, IPage page)
    {
        await page.GotoAsync(app.DashboardUrl!.ToString());

        var resources = page.Locator("section[data-panel=resources]");
        foreach (var name in new[] { "postgres", "exp22db", "api", "executor-1", "executor-2" })
            await Expect(resources.Locator($"tr[data-resource='{name}'][data-state=Running] .badge.Healthy")).ToBeVisibleAsync(new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "1-resources");

        // A short run from the form, followed to SUCCESS in the runs list.
        await page.ClickAsync("#tabs button[data-tab=runs]");
        var firstRun = await StartRunFromFormAsync(page, subWorkflows: 2, steps: 3, minDelayMs: 200, maxDelayMs: 400);
        await Expect(page.Locator($"#runs tr[data-run-id='{firstRun}'][data-status=SUCCESS]")).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator($"#run-tree[data-run-id='{firstRun}'][data-status=SUCCESS]")).ToBeVisibleAsync(new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "2-run-completed");

        // A run longer than the executors' 10 s completion timeout; stop, from the resources table, an
        // executor running part of it: it drains, hands what is left over, and the other one finishes.
        var secondRun = await StartRunFromFormAsync(page, subWorkflows: 3, steps: 4, minDelayMs: 3000, maxDelayMs: 3500);
        var runs = page.Locator("section[data-panel=runs]");
        var busyCard = runs.Locator(".executor[data-state=running]:has(li)").First;
        await Expect(busyCard).ToBeVisibleAsync(new() { Timeout = Long });
        var busy = await busyCard.GetAttributeAsync("data-executor");
        Assert.NotNull(busy);

        await page.ClickAsync("#tabs button[data-tab=resources]");
        await resources.Locator($"button[data-command=stop][data-resource='{busy}']").ClickAsync();
        await Expect(resources.Locator($".executor[data-executor='{busy}'][data-state=draining]")).ToBeVisibleAsync(new() { Timeout = Long });
        await BrowserScreenshots.SaveAsync(page, "3-executor-draining");
        await Expect(resources.Locator($"tr[data-resource='{busy}'][data-state=Exited]")).ToContainTextAsync("exit 0", new() { Timeout = Long });

        await page.ClickAsync("#tabs button[data-tab=runs]");
        await page.ClickAsync($"#runs tr[data-run-id='{secondRun}']");
        await Expect(page.Locator($"#run-tree[data-run-id='{secondRun}'][data-status=SUCCESS]")).ToBeVisibleAsync(new() { Timeout = Long });
        await Expect(page.Locator("#run-tree .handover").First).ToBeVisibleAsync();
        await BrowserScreenshots.SaveAsync(page, "4-run-completed-after-handover");

        var stopped = app.ResourceNotifications.Matching(busy!).Single();
        Assert.Equal(0, stopped.ExitCode);
    }

    private static string Diagnostics(DistributedApplication app) =>
        string.Join('\n', app.Orchestrator.Instances.Select(i =>
            $"{i.Name}: {i.Snapshot.State}/{i.Snapshot.Health} exit {i.Snapshot.ExitCode}\n  "
            + string.Join("\n  ", i.Log.After(0).TakeLast(15).Select(l => l.Text))));

    private static async Task<Guid> StartRunFromFormAsync(IPage page, int subWorkflows, int steps, int minDelayMs, int maxDelayMs)
    {
        var form = page.Locator("#run-form");
        await form.Locator("input[name=subWorkflows]").FillAsync(subWorkflows.ToString());
        await form.Locator("input[name=stepsPerWorkflow]").FillAsync(steps.ToString());
        await form.Locator("input[name=stepDelayMin]").FillAsync(minDelayMs.ToString());
        await form.Locator("input[name=stepDelayMax]").FillAsync(maxDelayMs.ToString());
        var previous = await page.Locator("#run-form-result").GetAttributeAsync("data-run-id");
        await form.Locator("button[type=submit]").ClickAsync();
        var result = page.Locator("#run-form-result");
        await Expect(result).ToHaveAttributeAsync("data-run-id", new System.Text.RegularExpressions.Regex("^(?!" + (previous ?? "none") + "$).+"));
        return Guid.Parse((await result.GetAttributeAsync("data-run-id"))!);
    }
}
