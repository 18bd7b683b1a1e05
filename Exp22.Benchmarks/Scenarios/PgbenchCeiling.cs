using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Exp22.Benchmarks.Infrastructure;
using Exp22.Benchmarks.Reporting;
using Exp22.Harness.Postgres;
using Npgsql;

namespace Exp22.Benchmarks.Scenarios;

/// <summary>
/// The server's ceiling for the engine's kind of work: single-row INSERT commits per second from 16
/// clients (pgbench -c 16 -j 2), each commit a WAL flush as every checkpoint is.
/// </summary>
public static partial class PgbenchCeiling
{
    private const string Script = "INSERT INTO bench_commits (payload) VALUES ('{\"step\": 1}');\n";

    public static async Task RunAsync(BenchDatabase database, BenchOptions options, Figures figures, Progress progress, CancellationToken ct)
    {
        var connectionString = await database.CreateDatabaseAsync("pgbench", ct);
        await using (var connection = new NpgsqlConnection(BenchDatabase.Unpooled(connectionString)))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand(
                "CREATE TABLE bench_commits (id bigserial PRIMARY KEY, payload jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())",
                connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        var scriptFile = Path.Combine(Path.GetTempPath(), $"exp22-pgbench-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(scriptFile, Script, ct);
        try
        {
            var pgbench = Path.Combine(PostgresBinaries.Find().Directory, "pgbench");
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            var start = new ProcessStartInfo(pgbench)
            {
                ArgumentList =
                {
                    "-n", "-f", scriptFile, "-c", "16", "-j", "2", "-T", options.PgbenchSeconds.ToString(CultureInfo.InvariantCulture),
                    "-h", database.Host, "-p", database.Port.ToString(CultureInfo.InvariantCulture), "-U", database.User,
                    builder.Database!,
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (database.Password is { } password)
                start.Environment["PGPASSWORD"] = password;

            progress.Line($"pgbench: single-row INSERT commits, 16 clients, {options.PgbenchSeconds} s");
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            var output = await stdout + await stderr;
            var match = TpsLine().Match(output);
            if (process.ExitCode != 0 || !match.Success)
                throw new InvalidOperationException($"pgbench failed (exit code {process.ExitCode}):\n{output}");

            var tps = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            figures.Add("pgbench_tps", tps, 0);
            progress.Line($"pgbench: {tps:0} commits/s");
        }
        finally
        {
            File.Delete(scriptFile);
        }
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();
}
