using Exp22.Harness.Services;
using Microsoft.Playwright;

namespace Exp22.Tests.Browser;

/// <summary>Full-page screenshots under .artifacts/screenshots/ beside Exp22.sln.</summary>
internal static class BrowserScreenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        var folder = RepositoryRoot.File(Path.Combine(".artifacts", "screenshots"));
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
