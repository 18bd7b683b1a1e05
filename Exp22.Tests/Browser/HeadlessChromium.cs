using Microsoft.Playwright;

namespace Exp22.Tests.Browser;

/// <summary>Debian's Chromium, headless, through Playwright: one page the size of the README's screenshots.</summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private const string Executable = "/usr/bin/chromium";

    /// <summary>How long a dashboard element may take to show on a loaded CI machine.</summary>
    public static readonly float Long = (float)TimeSpan.FromSeconds(120).TotalMilliseconds;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static async Task<HeadlessChromium> OpenPageAsync()
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: apt-get install -y chromium");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Executable, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 960 } });
        page.SetDefaultTimeout(Long);
        return new HeadlessChromium(playwright, browser, page);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
