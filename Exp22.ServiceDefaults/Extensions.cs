namespace Microsoft.Extensions.Hosting;

/// <summary>Shared service defaults (telemetry, health, resilience); filled in by the services issue.</summary>
public static class Extensions;
