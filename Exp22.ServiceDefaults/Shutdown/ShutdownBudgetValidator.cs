using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Exp22.ServiceDefaults.Shutdown;

// A ShutdownTimeout shorter than the drains means the host kills the drain half-way, silently;
// better to refuse to start.
internal sealed class ShutdownBudgetValidator(IEnumerable<ShutdownDrain> drains) : IValidateOptions<HostOptions>
{
    public ValidateOptionsResult Validate(string? name, HostOptions options)
    {
        var parts = drains.Append(new ShutdownDrain("margin", ShutdownBudget.Margin)).ToList();
        var required = parts.Aggregate(TimeSpan.Zero, (sum, part) => sum + part.Duration);

        // Infinite never cuts a drain short.
        if (options.ShutdownTimeout == Timeout.InfiniteTimeSpan || options.ShutdownTimeout > required)
        {
            return ValidateOptionsResult.Success;
        }

        var terms = string.Join(" + ", parts.Select(part => $"{part.Key} ({part.Duration:c})"));
        return ValidateOptionsResult.Fail(
            $"{ShutdownBudget.ShutdownTimeoutKey} ({options.ShutdownTimeout:c}) must exceed {terms} = {required:c}.");
    }
}
