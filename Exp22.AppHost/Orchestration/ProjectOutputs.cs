using System.Diagnostics;

namespace Exp22.AppHost.Orchestration;

/// <summary>
/// Where a sibling project's build output is. The AppHost (and the test project) reference the services
/// without their assemblies, so building either builds the services in the same configuration; the
/// output is found next to ours: <c>&lt;solution&gt;/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/&lt;project&gt;.dll</c>.
/// A missing output (a partial build) is built once with <c>dotnet build</c>.
/// </summary>
internal sealed class ProjectOutputs
{
    private readonly SemaphoreSlim _building = new(1, 1);
    private readonly string _configuration;
    private readonly string _framework;

    public ProjectOutputs(string? baseDirectory = null)
    {
        var output = new DirectoryInfo(baseDirectory ?? AppContext.BaseDirectory);
        _framework = output.Name;
        _configuration = output.Parent?.Name ?? "Debug";
        SolutionDirectory = SolutionFolder.Find(output.FullName)
            ?? throw new InvalidOperationException($"Exp22.sln not found above {output.FullName}: run the AppHost from the repository.");
    }

    public string SolutionDirectory { get; }

    public async Task<string> DllOfAsync(string project, ConsoleLog log, CancellationToken ct)
    {
        var dll = Path.Combine(SolutionDirectory, project, "bin", _configuration, _framework, $"{project}.dll");
        if (File.Exists(dll))
            return dll;

        await _building.WaitAsync(ct);
        try
        {
            if (!File.Exists(dll))
                await BuildAsync(project, log, ct);
        }
        finally
        {
            _building.Release();
        }

        return File.Exists(dll) ? dll : throw new StartFailedException($"{project} built, but {dll} is still missing.");
    }

    private async Task BuildAsync(string project, ConsoleLog log, CancellationToken ct)
    {
        var csproj = Path.Combine(SolutionDirectory, project, $"{project}.csproj");
        log.Append($"[apphost] dotnet build {csproj} -c {_configuration}");
        var startInfo = new ProcessStartInfo(DotnetHost.Path)
        {
            ArgumentList = { "build", csproj, "-c", _configuration, "--nologo", "-v", "quiet" },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var build = Process.Start(startInfo) ?? throw new StartFailedException($"Could not run dotnet build for {project}.");
        build.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Append(e.Data); };
        build.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Append(e.Data, isError: true); };
        build.BeginOutputReadLine();
        build.BeginErrorReadLine();
        await build.WaitForExitAsync(ct);
        if (build.ExitCode != 0)
            throw new StartFailedException($"dotnet build {project} failed (exit code {build.ExitCode}); its output is in the console log.");
    }
}

internal static class SolutionFolder
{
    public static string? Find(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Exp22.sln")))
                return folder.FullName;
        }

        return null;
    }
}

/// <summary>The <c>dotnet</c> executable that runs us (so a child uses the same runtime), else the one on PATH.</summary>
internal static class DotnetHost
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            return hostPath;
        var processPath = Environment.ProcessPath;
        return processPath is not null && System.IO.Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath : "dotnet";
    }
}
