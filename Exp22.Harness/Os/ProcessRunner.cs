using System.Diagnostics;

namespace Exp22.Harness.Os;

/// <summary>Runs a short-lived helper program (initdb, chown, ...) to completion and captures what it printed.</summary>
public static class ProcessRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo startInfo, CancellationToken ct)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;

        using var process = Process.Start(startInfo)
                            ?? throw new InvalidOperationException($"Could not start {startInfo.FileName}.");
        // No helper reads input; an open stdin would let a prompt hang the launcher forever.
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            throw;
        }

        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        // "/" because our own working directory may be unreadable to the postgres user (e.g. under /root).
        var startInfo = new ProcessStartInfo(program) { WorkingDirectory = "/" };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        return startInfo;
    }

    public static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
