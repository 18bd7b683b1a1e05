using Exp22.Harness.Os;

namespace Exp22.AppHost.Commands;

/// <summary>
/// "Drain" on an executor: SIGTERM to its process, the signal Kubernetes sends, so the executor runs its whole
/// drain (readiness fails, nothing new claimed, up to the completion timeout for work in flight, the rest
/// handed over) and exits by itself, which the orchestrator records as Finished with its exit code.
/// Aspire's own Stop cannot do that: the orchestrator SIGKILLs a process 6 s after its SIGTERM.
/// </summary>
internal static class DrainCommand
{
    public const string Name = "drain";

    /// <summary>The orchestrator's snapshot property holding the resource's process id (for a project, <c>dotnet run</c>, which forwards the signal).</summary>
    public const string PidProperty = "executable.pid";

    public static IResourceBuilder<ProjectResource> WithDrainCommand(this IResourceBuilder<ProjectResource> builder, TimeSpan completionTimeout) =>
        builder.WithCommand(Name, "Drain", DrainAsync, new CommandOptions
        {
            Description = $"SIGTERM, as Kubernetes sends it: the executor stops claiming, lets its workflows finish for up to " +
                          $"{completionTimeout.TotalSeconds:0} s, hands the rest to the other executor and exits. Stop kills it after 6 s.",
            IconName = "ArrowExit",
            IconVariant = IconVariant.Filled,
            IsHighlighted = true,
            UpdateState = context => Pid(context.ResourceSnapshot) is not null
                                     && context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });

    private static Task<ExecuteCommandResult> DrainAsync(ExecuteCommandContext context)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var resource) || Pid(resource.Snapshot) is not { } pid)
            return Task.FromResult(CommandResults.Failure($"{context.ResourceName} has no running process to drain."));
        if (!Posix.Signal(pid, Posix.SigTerm))
            return Task.FromResult(CommandResults.Failure($"SIGTERM could not be sent to {context.ResourceName} (pid {pid}): it has exited."));

        context.Logger.LogInformation("Drain: SIGTERM sent to {Resource} (pid {Pid})", context.ResourceName, pid);
        return Task.FromResult(CommandResults.Success($"SIGTERM sent to pid {pid}: draining"));
    }

    private static int? Pid(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == PidProperty)?.Value switch
        {
            int pid => pid,
            long pid => (int)pid,
            string text when int.TryParse(text, out var pid) => pid,
            _ => null,
        };
}
