using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Exp22.Benchmarks.Infrastructure;

/// <summary>
/// HTTP load from <c>hey</c> (Debian package <c>hey</c>): POSTs one body from C workers for a duration, then
/// reads its summary. Non-202 answers and transport errors are failures.
/// </summary>
public static partial class HeyLoad
{
    public sealed record Result(double RequestsPerSecond, double P50Ms, double P99Ms, long Accepted, long Failures);

    public const string Missing = "The http scenario needs hey on the PATH (apt-get install hey).";

    public static bool IsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "hey")));

    public static async Task<Result> RunAsync(Uri url, string body, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        var bodyFile = Path.Combine(Path.GetTempPath(), $"exp22-hey-{Environment.ProcessId}.json");
        await File.WriteAllTextAsync(bodyFile, body, ct);
        try
        {
            var start = new ProcessStartInfo("hey")
            {
                ArgumentList =
                {
                    "-c", concurrency.ToString(CultureInfo.InvariantCulture),
                    "-z", $"{(int)duration.TotalSeconds}s",
                    "-m", "POST", "-T", "application/json", "-D", bodyFile,
                    url.ToString(),
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            var output = await stdout + await stderr;
            var rps = RequestsPerSecond().Match(output);
            if (process.ExitCode != 0 || !rps.Success)
                throw new InvalidOperationException($"hey failed (exit code {process.ExitCode}):\n{output}");

            long accepted = 0, failures = 0;
            foreach (Match status in StatusCount().Matches(output))
            {
                var count = long.Parse(status.Groups[2].Value, CultureInfo.InvariantCulture);
                if (status.Groups[1].Value == "202")
                    accepted += count;
                else
                    failures += count;
            }

            foreach (Match error in ErrorCount().Matches(output))
                failures += long.Parse(error.Groups["count"].Value, CultureInfo.InvariantCulture);

            return new Result(Parse(rps.Groups[1].Value), Percentile(output, 50), Percentile(output, 99), accepted, failures);
        }
        finally
        {
            File.Delete(bodyFile);
        }
    }

    private static double Percentile(string output, int percent)
    {
        var match = Regex.Match(output, $@"\b{percent}% in ([0-9.]+) secs", RegexOptions.None, TimeSpan.FromSeconds(1));
        return match.Success ? Parse(match.Groups[1].Value) * 1000 : double.NaN;
    }

    private static double Parse(string value) => double.Parse(value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"\[(\d{3})\]\s+(\d+) responses")]
    private static partial Regex StatusCount();

    // hey's error distribution: "  [N]\tPost "...": <error>".
    [GeneratedRegex(@"^\s+\[(?<count>\d+)\]\s+\D", RegexOptions.Multiline)]
    private static partial Regex ErrorCount();
}
