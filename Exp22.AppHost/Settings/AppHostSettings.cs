using System.ComponentModel.DataAnnotations;

namespace Exp22.AppHost.Settings;

/// <summary>
/// The <c>AppHost</c> configuration section (appsettings.json, <c>--AppHost:Key=value</c> or <c>AppHost__Key</c>):
/// which PostgreSQL, where its data lives, the ports, and the shutdown timings the services are started with.
/// </summary>
internal sealed class AppHostSettings
{
    public const string SectionName = "AppHost";

    /// <summary>Which PostgreSQL: <see cref="PostgresMode.Auto"/> decides from the machine (see <see cref="Postgres.PostgresChoice"/>).</summary>
    public PostgresMode Postgres { get; set; } = PostgresMode.Auto;

    /// <summary>Where the local-binaries PostgreSQL keeps its cluster (<c>postgres/</c> inside); default <c>.data</c> beside Exp22.sln.</summary>
    public string? DataDirectory { get; set; }

    public PortSettings Ports { get; set; } = new();

    public ApiTimings Api { get; set; } = new();

    public ExecutorTimings Executor { get; set; } = new();
}

internal enum PostgresMode
{
    Auto,
    Container,
    LocalBinaries,
    ConnectionString,
}

/// <summary>The fixed loopback ports a user's curl and browser know; tests run on random ones.</summary>
internal sealed class PortSettings
{
    [Range(1, 65535)]
    public int Api { get; set; } = 8000;

    [Range(1, 65535)]
    public int Executor1 { get; set; } = 8001;

    [Range(1, 65535)]
    public int Executor2 { get; set; } = 8002;
}

/// <summary>The API's shutdown timings (the service's own keys: <c>Shutdown:*</c>, <c>HostOptions:ShutdownTimeout</c>).</summary>
internal sealed class ApiTimings
{
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RequestDrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Each executor's shutdown timings (<c>Workflows:WorkflowCompletionTimeout</c>, <c>Workflows:HandoverTimeout</c>,
/// <c>Workflows:LeaveTimeout</c>, <c>HostOptions:ShutdownTimeout</c>); the executor checks at start that they fit.
/// </summary>
internal sealed class ExecutorTimings
{
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan WorkflowCompletionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.1", "00:05:00")]
    public TimeSpan HandoverTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.1", "00:05:00")]
    public TimeSpan LeaveTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
