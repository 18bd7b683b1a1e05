using Microsoft.Playwright;

namespace Exp22.Tests.Browser;

/// <summary>Full-page screenshots under .artifacts/screenshots/ beside Exp22.sln.</summary>
internal static class BrowserScreenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        var folder = Path.Combine(SolutionRoot(), ".artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    private static string SolutionRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Exp22.sln")))
                return folder.FullName;
        }

        throw new InvalidOperationException($"Exp22.sln not found above {AppContext.BaseDirectory}.");
    }
}
