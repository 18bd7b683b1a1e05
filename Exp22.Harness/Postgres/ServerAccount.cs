using System.Diagnostics;
using Exp22.Harness.Os;

namespace Exp22.Harness.Postgres;

/// <summary>
/// The operating-system account the server programs run as. PostgreSQL refuses to run as root, so a
/// root process runs them as the <c>postgres</c> system user (created by the Debian package).
/// </summary>
public sealed class ServerAccount
{
    public const string PostgresUser = "postgres";

    private const string SetPriv = "/usr/bin/setpriv";

    private ServerAccount(string? switchTo) => SwitchTo = switchTo;

    /// <summary>The user to switch to; null when we run the programs as ourselves.</summary>
    public string? SwitchTo { get; }

    public static ServerAccount ForCurrentProcess()
    {
        if (!Posix.IsRoot)
            return new ServerAccount(null);

        if (!File.ReadLines("/etc/passwd").Any(line => line.StartsWith(PostgresUser + ":", StringComparison.Ordinal)))
            throw new PostgresStartException(
                $"Running as root needs the '{PostgresUser}' system user to run PostgreSQL; it comes with the Debian package: apt-get install -y {PostgresBinaries.DebianPackage}");
        if (!File.Exists(SetPriv))
            throw new PostgresStartException(
                $"Running as root needs {SetPriv} (Debian package util-linux) to run PostgreSQL as '{PostgresUser}'.");
        return new ServerAccount(PostgresUser);
    }

    /// <summary>
    /// The command line that runs <paramref name="program"/> as this account. setpriv, not runuser: setpriv
    /// execs in place, so the pid we start is the postmaster's and a signal reaches it directly; runuser
    /// keeps a parent that answers SIGINT with SIGTERM and, two seconds later, SIGKILL.
    /// </summary>
    public IEnumerable<string> Command(string program, IEnumerable<string> arguments) =>
        SwitchTo is null
            ? [program, .. arguments]
            : [SetPriv, $"--reuid={SwitchTo}", $"--regid={SwitchTo}", "--init-groups", "--", program, .. arguments];

    public ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        var command = Command(program, arguments).ToList();
        return ProcessRunner.StartInfo(command[0], command.Skip(1));
    }

    /// <summary>Hands <paramref name="path"/> (recursively) to the account, so the server may own its data.</summary>
    public async Task TakeOwnershipAsync(string path, CancellationToken ct)
    {
        if (SwitchTo is null)
            return;
        var (exitCode, output) = await ProcessRunner.RunAsync(
            ProcessRunner.StartInfo("chown", ["-R", $"{SwitchTo}:{SwitchTo}", path]), ct);
        if (exitCode != 0)
            throw new PostgresStartException($"Could not give {path} to the '{SwitchTo}' user: {output}");
    }

    /// <summary>
    /// Fails with a clear message when the account cannot enter <paramref name="directory"/>, which happens
    /// when a parent (e.g. /root) is not traversable; initdb would only say "Permission denied".
    /// </summary>
    public async Task EnsureCanEnterAsync(string directory, CancellationToken ct)
    {
        if (SwitchTo is null)
            return;
        var (exitCode, _) = await ProcessRunner.RunAsync(StartInfo("/bin/sh", ["-c", "cd \"$1\"", "sh", directory]), ct);
        if (exitCode != 0)
            throw new PostgresStartException(
                $"The '{SwitchTo}' user cannot enter {directory}: one of its parent directories is not traversable. "
                + "Choose a data directory outside it (e.g. under /tmp or /var/lib) or make its parents traversable (chmod o+x).");
    }

    /// <summary>True when every directory from the root down to <paramref name="directory"/> lets others pass (o+x).</summary>
    public static bool IsTraversableByOthers(string directory)
    {
        for (var current = new DirectoryInfo(Path.GetFullPath(directory)); current is not null; current = current.Parent)
        {
            if (!current.Exists || (current.UnixFileMode & UnixFileMode.OtherExecute) == UnixFileMode.None)
                return false;
        }

        return true;
    }
}
