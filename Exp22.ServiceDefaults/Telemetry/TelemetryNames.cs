namespace Exp22.ServiceDefaults.Telemetry;

public static class TelemetryNames
{
    // Name of both the engine's ActivitySource and its Meter.
    public const string Workflows = "Exp22.Workflows";
}
