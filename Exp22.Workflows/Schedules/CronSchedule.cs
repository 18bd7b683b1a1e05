using Cronos;

namespace Exp22.Workflows.Schedules;

/// <summary>A schedule's cron expression and time zone, parsed by Cronos.</summary>
internal sealed class CronSchedule
{
    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone) => (_expression, _zone) = (expression, zone);

    /// <exception cref="ArgumentException">The expression or the zone is not valid; the message says which.</exception>
    public static CronSchedule Parse(string cron, string timeZone)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cron);
        var format = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(cron, format);
        }
        catch (CronFormatException e)
        {
            throw new ArgumentException($"'{cron}' is not a cron expression: {e.Message}", nameof(cron), e);
        }

        try
        {
            return new CronSchedule(expression, TimeZoneInfo.FindSystemTimeZoneById(timeZone));
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"'{timeZone}' is not a known time zone.", nameof(timeZone), e);
        }
    }

    /// <summary>The first tick strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) =>
        _expression.GetNextOccurrence(after.UtcDateTime, _zone, inclusive: false) is { } next
            ? new DateTimeOffset(next, TimeSpan.Zero)
            : null;

    /// <summary>The ticks from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public IEnumerable<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to) =>
        _expression.GetOccurrences(from.UtcDateTime, to.UtcDateTime, _zone, fromInclusive: true, toInclusive: true)
            .Select(t => new DateTimeOffset(t, TimeSpan.Zero));
}
