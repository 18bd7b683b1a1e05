using System.ComponentModel.DataAnnotations;

namespace Exp22.AppHost.Model;

/// <summary>The <c>AppHost</c> configuration section: how this run differs from a user's default one.</summary>
public sealed class AppHostSettings
{
    public const string SectionName = "AppHost";

    /// <summary>Every endpoint (dashboard included) on a free port, so a test run works beside a user's instance.</summary>
    public bool RandomPorts { get; set; }

    /// <summary>A throwaway PostgreSQL cluster instead of the one kept under <see cref="DataDirectory"/>.</summary>
    public bool TemporaryData { get; set; }

    /// <summary>Where kept data lives; default <c>.data</c> beside Exp22.sln (git-ignored).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>How long Ctrl+C may take in all: the longest stop grace plus PostgreSQL's shutdown.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(90);
}
