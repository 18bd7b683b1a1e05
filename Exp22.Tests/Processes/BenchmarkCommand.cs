using System.Diagnostics;
using System.Text.Json;
using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.Processes;

/// <summary>
/// The benchmark command (Exp22.Benchmarks) as a user runs it, at a size CI affords, against the tests'
/// PostgreSQL server (it creates a database of its own there): the same code as the documented full-size runs.
/// </summary>
public static class BenchmarkCommand
{
    /// <returns>Its figures (the JSON line on stdout) and its progress lines (stderr).</returns>
    public static async Task<(JsonElement Figures, string Progress)> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        var endpoint = await new PostgresFixture().EndpointAsync();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BuiltProjects.DllOf("Exp22.Benchmarks"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["ConnectionStrings__exp22db"] = endpoint.ConnectionString;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException e)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The benchmark did not finish within {timeout}:\n{await stderr}", e);
        }

        var progress = await stderr;
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode != 0 || lines.Length == 0)
            throw new InvalidOperationException($"The benchmark exited {process.ExitCode}:\n{progress}");
        using var figures = JsonDocument.Parse(lines[^1]);
        return (figures.RootElement.Clone(), progress);
    }
}
