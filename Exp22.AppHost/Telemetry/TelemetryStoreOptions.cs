using System.ComponentModel.DataAnnotations;

namespace Exp22.AppHost.Telemetry;

/// <summary>How much telemetry the dashboard keeps in memory; the oldest goes first.</summary>
public sealed class TelemetryStoreOptions
{
    public const string SectionName = "Dashboard:Telemetry";

    [Range(100, 1_000_000)]
    public int MaxSpansPerResource { get; set; } = 20_000;

    [Range(100, 1_000_000)]
    public int MaxLogsPerResource { get; set; } = 20_000;

    [Range(10, 100_000)]
    public int MaxPointsPerSeries { get; set; } = 600;

    [Range(10, 100_000)]
    public int MaxSeriesPerResource { get; set; } = 2_000;
}
