using System.Globalization;

namespace Exp22.AppHost.Settings;

/// <summary>
/// The shutdown timings a service runs with, given as its own configuration keys in its environment, so the
/// dashboard's resource details show the figures the process really uses.
/// </summary>
internal static class ShutdownTimingsExtensions
{
    public static IResourceBuilder<ProjectResource> WithShutdownTimings(this IResourceBuilder<ProjectResource> builder, ApiTimings timings) =>
        builder
            .WithEnvironment("Shutdown__DrainDelay", Format(timings.DrainDelay))
            .WithEnvironment("Shutdown__RequestDrainTimeout", Format(timings.RequestDrainTimeout))
            .WithEnvironment("HostOptions__ShutdownTimeout", Format(timings.ShutdownTimeout));

    public static IResourceBuilder<ProjectResource> WithShutdownTimings(this IResourceBuilder<ProjectResource> builder, ExecutorTimings timings) =>
        builder
            .WithEnvironment("Workflows__WorkflowCompletionTimeout", Format(timings.WorkflowCompletionTimeout))
            .WithEnvironment("Workflows__HandoverTimeout", Format(timings.HandoverTimeout))
            .WithEnvironment("Workflows__LeaveTimeout", Format(timings.LeaveTimeout))
            .WithEnvironment("HostOptions__ShutdownTimeout", Format(timings.ShutdownTimeout));

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
