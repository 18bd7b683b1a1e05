using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Exp22.Harness.Postgres;
using Microsoft.Extensions.Configuration;

namespace Exp22.Tests.Infrastructure;

/// <summary>
/// The one PostgreSQL of a test run: <c>ConnectionStrings__exp22db</c> when set, otherwise a private server
/// started on first use and stopped when the test process exits (and by the launcher's guardian if the
/// process is killed). Each test class asks it for a fresh database.
/// </summary>
/// <remarks>
/// A static lazy singleton rather than an xunit collection fixture: xunit 2 has no assembly fixtures, and
/// a shared <c>[Collection]</c> would run every database test class one after another, whereas classes
/// in their own collections run in parallel. Isolation comes from a database per class instead.
/// Instances are cheap views of the shared server, so <c>IClassFixture&lt;PostgresFixture&gt;</c> works too.
/// </remarks>
public sealed partial class PostgresFixture
{
    /// <summary>Durability is worthless for test data: these make the server several times faster.</summary>
    public static IReadOnlyDictionary<string, string> FastUnsafeSettings { get; } = new Dictionary<string, string>
    {
        ["fsync"] = "off",
        ["synchronous_commit"] = "off",
        ["full_page_writes"] = "off",
    };

    // Lazy<Task>: the first test starts the server, the others await the same start; a failed start fails
    // every test at once with the same message instead of retrying a 60 s timeout per test.
    private static readonly Lazy<Task<PostgresEndpoint>> Shared = new(StartSharedAsync);

    /// <summary>The server (external or private) every test shares.</summary>
    public Task<PostgresEndpoint> EndpointAsync() => Shared.Value;

    /// <summary>
    /// Creates a database named <c>{prefix}_{random}</c> and returns a connection string to it. The
    /// databases die with the private server; on an external server they stay (drop them with the server).
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var endpoint = await Shared.Value;
        var name = UniqueName(prefix);
        await endpoint.CreateDatabaseAsync(name);
        return endpoint.GetConnectionString(name);
    }

    /// <summary>The options of the private test server: a throwaway cluster on a free port, fsync off.</summary>
    public static PostgresServerOptions PrivateServerOptions() => new()
    {
        Settings = new Dictionary<string, string>(FastUnsafeSettings),
    };

    /// <summary>Environment variables (<c>ConnectionStrings__exp22db</c>) as configuration, as the apps read them.</summary>
    public static IConfiguration Configuration() => new ConfigurationBuilder().AddEnvironmentVariables().Build();

    internal static string UniqueName(string prefix)
    {
        var safePrefix = UnsafeNameCharacters().Replace(prefix.ToLowerInvariant(), "_");
        if (safePrefix.Length > 40)
            safePrefix = safePrefix[..40];
        return $"{safePrefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
    }

    private static async Task<PostgresEndpoint> StartSharedAsync()
    {
        var endpoint = await PostgresEndpoint.ResolveAsync(Configuration(), PrivateServerOptions, CancellationToken.None);
        // A test host that exits normally stops the server here. vstest usually kills its test host right
        // after the run, cutting this short: then the launcher's guardian sees the host's pipe close and
        // stops the server (and removes its folder) on its own.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            endpoint.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
        return endpoint;
    }

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex UnsafeNameCharacters();
}
