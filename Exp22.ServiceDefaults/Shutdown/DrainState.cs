using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Exp22.ServiceDefaults.Shutdown;

// Set once, never cleared: a process that started draining is on its way out.
public sealed partial class DrainState(ILogger<DrainState>? logger = null, TimeProvider? timeProvider = null)
{
    private readonly ILogger logger = logger ?? NullLogger<DrainState>.Instance;
    private readonly TimeProvider timeProvider = timeProvider ?? TimeProvider.System;
    private long startedAtUtcTicks;

    public bool IsDraining => Volatile.Read(ref startedAtUtcTicks) != 0;

    public DateTimeOffset? DrainStartedAt =>
        Volatile.Read(ref startedAtUtcTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public void BeginDrain()
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        if (Interlocked.CompareExchange(ref startedAtUtcTicks, now, 0) == 0)
        {
            LogDraining(logger);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Draining: readiness reports unhealthy from now on")]
    private static partial void LogDraining(ILogger logger);
}
