using System.Globalization;
namespace Exp22.Harness.Postgres;

/// <summary>The PostgreSQL server programs of this machine: <c>initdb</c> and <c>postgres</c> from one directory.</summary>
public sealed class PostgresBinaries
{
    /// <summary>The Debian package that provides the server programs.</summary>
    public const string DebianPackage = "postgresql";

    /// <summary>Where Debian installs each major version (<c>/usr/lib/postgresql/15/bin</c>, ...).</summary>
    public static IReadOnlyList<string> DefaultInstallRoots { get; } = ["/usr/lib/postgresql"];

    private PostgresBinaries(string directory) => Directory = directory;

    public string Directory { get; }

    public string InitDb => Path.Combine(Directory, "initdb");

    public string Postgres => Path.Combine(Directory, "postgres");

    /// <summary>Searches PATH, then the newest major version under <see cref="DefaultInstallRoots"/>.</summary>
    /// <exception cref="PostgresNotFoundException">Neither place has both programs.</exception>
    public static PostgresBinaries Find() =>
        Find(Environment.GetEnvironmentVariable("PATH"), DefaultInstallRoots);

    /// <summary>Searches <paramref name="searchPath"/> (PATH syntax), then <c>ROOT/*/bin</c> for each install root, newest major version first.</summary>
    /// <exception cref="PostgresNotFoundException">No candidate directory has both programs.</exception>
    public static PostgresBinaries Find(string? searchPath, IEnumerable<string> installRoots)
    {
        var roots = installRoots.ToList();
        var candidates = PathDirectories(searchPath).Concat(roots.SelectMany(VersionedBinDirectories));
        foreach (var directory in candidates)
        {
            if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres")))
                return new PostgresBinaries(RealDirectory(directory));
        }

        throw new PostgresNotFoundException(roots);
    }

    public override string ToString() => Directory;

    private static string[] PathDirectories(string? searchPath) =>
        (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IEnumerable<string> VersionedBinDirectories(string root)
    {
        if (!System.IO.Directory.Exists(root))
            return [];

        return System.IO.Directory.EnumerateDirectories(root)
            .Select(path => (path, version: ParseVersion(Path.GetFileName(path))))
            .Where(entry => entry.version is not null)
            .OrderByDescending(entry => entry.version)
            .Select(entry => Path.Combine(entry.path, "bin"));
    }

    // Debian names the folders "15", "16" (and "9.6" in the past): compare numerically so 16 beats 9.6.
    private static Version? ParseVersion(string name) =>
        int.TryParse(name, CultureInfo.InvariantCulture, out var major) && major >= 0 ? new Version(major, 0)
        : Version.TryParse(name, out var version) ? version
        : null;

    // A PATH entry like /usr/local/bin may hold symlinks into a versioned directory; using the real
    // directory keeps initdb and postgres of one version together and makes logs name the real place.
    private static string RealDirectory(string directory)
    {
        var target = File.ResolveLinkTarget(Path.Combine(directory, "postgres"), returnFinalTarget: true);
        var realDirectory = target is null ? null : Path.GetDirectoryName(target.FullName);
        return realDirectory is not null
               && File.Exists(Path.Combine(realDirectory, "initdb"))
               && File.Exists(Path.Combine(realDirectory, "postgres"))
            ? realDirectory
            : Path.GetFullPath(directory);
    }
}

/// <summary>The machine has no PostgreSQL server programs.</summary>
public sealed class PostgresNotFoundException(IEnumerable<string> installRoots)
    : Exception(
        "PostgreSQL server programs (initdb, postgres) were not found on PATH nor in "
        + string.Join(", ", installRoots.Select(root => Path.Combine(root, "*", "bin")))
        + $". Install the Debian package '{PostgresBinaries.DebianPackage}': apt-get install -y {PostgresBinaries.DebianPackage}");
