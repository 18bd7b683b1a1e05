using System.Globalization;
using Exp22.Harness.Os;

namespace Exp22.Harness.Postgres;

/// <summary>
/// A streaming-replication standby's data directory, copied from a running primary with
/// <c>pg_basebackup</c> (from the same binaries, run as the server account): start a
/// <see cref="PostgresServer"/> on it and it follows the primary.
/// </summary>
public static class PostgresBaseBackup
{
    /// <param name="slot">A replication slot created for the standby: the primary keeps every WAL segment it has not received.</param>
    public static async Task TakeAsync(PostgresServer primary, string directory, string slot, CancellationToken ct = default)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("The private PostgreSQL launcher runs on Linux and macOS.");
        // The server account must own an empty directory of mode 0700 for the copy it makes.
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var account = ServerAccount.ForCurrentProcess();
        await account.TakeOwnershipAsync(directory, ct);
        var program = Path.Combine(PostgresBinaries.Find().Directory, "pg_basebackup");
        // -R: standby.signal and primary_conninfo; -X stream: the WAL written meanwhile; -c fast: an
        // immediate checkpoint to start from, not a spread one (which waits most of checkpoint_timeout).
        var (exitCode, output) = await ProcessRunner.RunAsync(account.StartInfo(program,
        [
            "-h", "127.0.0.1", "-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres",
            "-D", directory, "-R", "-X", "stream", "-C", "-S", slot, "-c", "fast", "--no-sync",
        ]), ct);
        if (exitCode != 0)
            throw new PostgresStartException($"pg_basebackup failed (exit code {exitCode}): {output}");
    }
}
