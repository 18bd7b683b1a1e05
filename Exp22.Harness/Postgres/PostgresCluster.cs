using System.Globalization;
using Exp22.Harness.Os;

namespace Exp22.Harness.Postgres;

/// <summary>
/// The cluster side of a private server, whoever supervises the server process (this launcher's guardian,
/// or the AppHost's orchestrator): its data directory prepared once by initdb, and the command-line
/// settings its server runs with.
/// </summary>
public static class PostgresCluster
{
    /// <summary>The only address a private server listens on: the cluster trusts loopback logins unless a password is set.</summary>
    public const string ListenAddress = "127.0.0.1";

    /// <summary>True when <paramref name="dataDirectory"/> holds an initialized cluster.</summary>
    public static bool IsInitialized(string dataDirectory) => File.Exists(Path.Combine(dataDirectory, "PG_VERSION"));

    /// <summary>
    /// Hands <paramref name="dataDirectory"/> to the server's account and runs initdb there unless it holds a
    /// cluster already. A kept cluster keeps the user and password it was created with.
    /// </summary>
    /// <param name="noSync">initdb without fsyncs: for a throwaway cluster, or one whose server runs with fsync=off anyway.</param>
    /// <returns>True when initdb ran.</returns>
    /// <exception cref="PostgresStartException">The account cannot enter the folder, or initdb failed (its output in the message).</exception>
    public static async Task<bool> PrepareAsync(
        PostgresBinaries binaries, ServerAccount account, PostgresServerOptions options, string dataDirectory,
        bool noSync, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDirectory);
        await account.TakeOwnershipAsync(dataDirectory, ct);
        await account.EnsureCanEnterAsync(dataDirectory, ct);
        if (IsInitialized(dataDirectory))
            return false;

        string? passwordFile = null;
        try
        {
            var arguments = new List<string>
            {
                "-D", dataDirectory, "-U", options.User, "-E", "UTF8", "--locale=C", "--auth-local=trust",
            };
            if (options.Password is null)
            {
                arguments.Add("--auth-host=trust");
            }
            else
            {
                passwordFile = await WritePasswordFileAsync(account, options.Password, ct);
                arguments.AddRange(["--auth-host=scram-sha-256", $"--pwfile={passwordFile}"]);
            }

            if (noSync || IsOff(options.Settings, "fsync"))
                arguments.Add("--no-sync");

            var (exitCode, output) = await ProcessRunner.RunAsync(account.StartInfo(binaries.InitDb, arguments), ct);
            if (exitCode != 0)
                throw new PostgresStartException($"initdb failed (exit code {exitCode}) for {dataDirectory}:{Environment.NewLine}{output}");
            return true;
        }
        finally
        {
            if (passwordFile is not null)
                DirectoryTree.Delete(Path.GetDirectoryName(passwordFile));
        }
    }

    /// <summary>
    /// <c>-D</c> and the <c>-c name=value</c> settings of the server: <see cref="PostgresServerOptions.DefaultSettings"/>,
    /// then the options', then the launcher's own: <see cref="ListenAddress"/> only, and no unix socket (the default
    /// /var/run/postgresql needs permissions we may not have, and nothing here uses it). The port is the caller's:
    /// <see cref="PortArguments"/>.
    /// </summary>
    public static IEnumerable<string> ServerArguments(PostgresServerOptions options, string dataDirectory)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in PostgresServerOptions.DefaultSettings.Concat(options.Settings))
            settings[name] = value;
        settings.Remove("port");
        settings["listen_addresses"] = ListenAddress;
        settings["unix_socket_directories"] = "";

        yield return "-D";
        yield return dataDirectory;
        foreach (var (name, value) in settings)
        {
            yield return "-c";
            yield return $"{name}={value}";
        }
    }

    public static IEnumerable<string> PortArguments(int port) => ["-c", $"port={port.ToString(CultureInfo.InvariantCulture)}"];

    private static async Task<string> WritePasswordFileAsync(ServerAccount account, string password, CancellationToken ct)
    {
        var folder = PostgresServer.CreateTemporaryRoot(account);
        var file = Path.Combine(folder, "pwfile");
        await File.WriteAllTextAsync(file, password + "\n", ct);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await account.TakeOwnershipAsync(file, ct);
        return file;
    }

    private static bool IsOff(IDictionary<string, string> settings, string name) =>
        settings.Any(setting => string.Equals(setting.Key, name, StringComparison.OrdinalIgnoreCase)
                                && setting.Value.Trim().ToLowerInvariant() is "off" or "false" or "0" or "no");
}
