using Exp22.Workflows.Execution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Schedules;

/// <summary>
/// In an executor: saves the schedules declared in configuration, then fires due ticks every
/// <see cref="WorkflowsOptions.ScheduleInterval"/>. Every executor runs one; the ticker makes each tick fire once.
/// </summary>
internal sealed partial class ScheduleTickerService(
    IOptions<WorkflowsOptions> options, ScheduleClient schedules, ScheduleTicker ticker, TimeProvider time,
    ILogger<ScheduleTickerService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, schedule) in options.Value.Schedules)
            await schedules.SaveAsync(ScheduleDeclarationsValidator.ToDefinition(schedule, name), cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the loop without waiting for it: a pass stuck on an unreachable database (a connection attempt
    /// that ignores cancellation) must not hold the host's stop and its shutdown budget. An abandoned pass's
    /// transaction dies with its connection.
    /// </summary>
    public override Task StopAsync(CancellationToken cancellationToken) => base.StopAsync(new CancellationToken(canceled: true));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ScheduleInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var fired = await ticker.TickAsync(stoppingToken).ConfigureAwait(false);
                    if (fired > 0)
                        LogFired(fired);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // The next pass retries: a tick not fired stays due.
                    LogTickFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Schedules enqueued {Count} run(s)")]
    private partial void LogFired(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedules could not be ticked; retrying at the next pass")]
    private partial void LogTickFailed(Exception exception);
}
