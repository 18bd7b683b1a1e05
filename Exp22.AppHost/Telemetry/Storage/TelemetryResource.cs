namespace Exp22.AppHost.Telemetry.Storage;

/// <summary>
/// A process that exports telemetry, named by its <c>service.name</c> and, when it has one that says
/// more, its <c>service.instance.id</c> (two executor replicas share a service name).
/// </summary>
public sealed record TelemetryResource(string ServiceName, string? InstanceId)
{
    public string Name => InstanceId is null || InstanceId == ServiceName ? ServiceName : $"{ServiceName}/{InstanceId}";
}
