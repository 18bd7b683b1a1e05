using Exp22.Workflows.Execution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Retention;

/// <summary>In an executor: every <see cref="WorkflowsOptions.RetentionInterval"/>, deletes the runs past retention.</summary>
internal sealed partial class RetentionService(
    IOptions<WorkflowsOptions> options, RetentionSweep sweep, TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    /// <summary>
    /// Stops the loop without waiting for it: a pass stuck on an unreachable database (a connection attempt
    /// that ignores cancellation) must not hold the host's stop and its shutdown budget. An abandoned pass's
    /// transaction dies with its connection.
    /// </summary>
    public override Task StopAsync(CancellationToken cancellationToken) => base.StopAsync(new CancellationToken(canceled: true));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.RetentionPeriod == TimeSpan.Zero)
            return;
        using var timer = new PeriodicTimer(settings.RetentionInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var (runs, workflows) = await sweep.SweepAsync(settings.RetentionPeriod, settings.RetentionBatchSize, stoppingToken)
                        .ConfigureAwait(false);
                    if (runs > 0)
                        LogDeleted(runs, workflows, settings.RetentionPeriod);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogSweepFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention deleted {Runs} run(s) ({Workflows} workflow(s)) finished over {Period} ago")]
    private partial void LogDeleted(int runs, int workflows, TimeSpan period);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention could not delete expired runs; retrying at the next interval")]
    private partial void LogSweepFailed(Exception exception);
}
