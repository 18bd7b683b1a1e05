using System.Globalization;
using System.Collections.Immutable;
using Exp22.Harness.Os;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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

    private static readonly TimeSpan UnhealthyWithin = TimeSpan.FromSeconds(3);

    public static IResourceBuilder<ProjectResource> WithDrainCommand(this IResourceBuilder<ProjectResource> builder, TimeSpan completionTimeout) =>
        builder.WithCommand(Name, "Drain", DrainAsync, new CommandOptions
        {
            Description = $"Drain: SIGTERM, as Kubernetes sends it. The executor stops claiming, lets its workflows finish for up to " +
                          $"{completionTimeout.TotalSeconds:0} s, hands the rest to the other executor and exits (Stop kills it after 6 s).",
            IconName = "ArrowExit",
            IconVariant = IconVariant.Filled,
            IsHighlighted = true,
            UpdateState = context => Pid(context.ResourceSnapshot) is not null
                                     && context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });

    private static async Task<ExecuteCommandResult> DrainAsync(ExecuteCommandContext context)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var current) || Pid(current.Snapshot) is not { } pid)
            return CommandResults.Failure($"{context.ResourceName} has no running process to drain.");
        if (!Posix.Signal(pid, Posix.SigTerm))
            return CommandResults.Failure($"SIGTERM could not be sent to {context.ResourceName} (pid {pid}): it has exited.");

        context.Logger.SigtermSent(context.ResourceName, pid);
        await ShowUnhealthyAsync(context, current.Resource, notifications);
        return CommandResults.Success($"SIGTERM sent to pid {pid}: draining");
    }

    /// <summary>
    /// The orchestrator re-checks a healthy resource only every 30 s, longer than a drain: run the resource's own
    /// health checks now, until its readiness reports the drain, and publish what they found.
    /// </summary>
    private static async Task ShowUnhealthyAsync(ExecuteCommandContext context, IResource resource, ResourceNotificationService notifications)
    {
        var keys = resource.Annotations.OfType<HealthCheckAnnotation>().Select(a => a.Key).ToHashSet();
        var health = context.Services.GetRequiredService<HealthCheckService>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(UnhealthyWithin);
        try
        {
            while (true)
            {
                var report = await health.CheckHealthAsync(r => keys.Contains(r.Name), deadline.Token);
                if (report.Status != HealthStatus.Healthy)
                {
                    await notifications.PublishUpdateAsync(resource, context.ResourceName, s => s.WithHealthReports(Merge(s.HealthReports, report)));
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            // Still ready after the bound: the orchestrator's own next check will tell.
        }
    }

    private static ImmutableArray<HealthReportSnapshot> Merge(ImmutableArray<HealthReportSnapshot> reports, HealthReport report)
    {
        var runAt = DateTime.UtcNow;
        var fresh = report.Entries.Select(e => new HealthReportSnapshot(e.Key, e.Value.Status, e.Value.Description, e.Value.Exception?.ToString())
        {
            LastRunAt = runAt,
        }).ToList();
        return [.. reports.Where(r => fresh.All(f => f.Name != r.Name)), .. fresh];
    }

    private static int? Pid(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == PidProperty)?.Value switch
        {
            int pid => pid,
            long pid => (int)pid,
            string text when int.TryParse(text, CultureInfo.InvariantCulture, out var pid) => pid,
            _ => null,
        };
}
