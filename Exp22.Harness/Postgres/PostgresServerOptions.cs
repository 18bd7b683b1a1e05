using Microsoft.Extensions.Logging;

namespace Exp22.Harness.Postgres;

/// <summary>How to run a private PostgreSQL server.</summary>
public sealed class PostgresServerOptions
{
    /// <summary>Settings every server gets unless <see cref="Settings"/> says otherwise.</summary>
    public static IReadOnlyDictionary<string, string> DefaultSettings { get; } = new Dictionary<string, string>
    {
        // Tests and two executors with their pools open many connections at once; 100 is easily reached.
        ["max_connections"] = "300",
    };

    /// <summary>
    /// Null: a fresh cluster in a temporary directory, removed when the server stops. Otherwise the cluster's
    /// folder, kept between runs: initdb runs only when it holds no PG_VERSION yet.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>The loopback port; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Extra server settings, passed as <c>-c name=value</c> (e.g. fsync=off for tests). They override
    /// <see cref="DefaultSettings"/>; listen_addresses, port and unix_socket_directories are the launcher's.
    /// </summary>
    public IDictionary<string, string> Settings { get; set; } = new Dictionary<string, string>();

    /// <summary>The superuser initdb creates.</summary>
    public string User { get; set; } = "postgres";

    /// <summary>
    /// Null: loopback connections are trusted (a private cluster that listens on 127.0.0.1 only).
    /// Set: the superuser gets this password and loopback connections need it (scram-sha-256). A kept data
    /// directory remembers the password it was created with.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>Null: <see cref="PostgresBinaries.Find()"/>.</summary>
    public PostgresBinaries? Binaries { get; set; }

    /// <summary>How long the server may take to accept connections (initdb not included).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a fast shutdown may take before the server is stopped immediately.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public ILogger? Logger { get; set; }
}
