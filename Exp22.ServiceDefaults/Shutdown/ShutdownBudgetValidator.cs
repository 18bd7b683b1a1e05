using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Exp22.ServiceDefaults.Shutdown;

// A ShutdownTimeout shorter than the waits means the host cuts one of them half-way, silently;
// better to refuse to start.
internal sealed class ShutdownBudgetValidator(IOptionsMonitor<Dictionary<string, TimeSpan>> lines) : IValidateOptions<HostOptions>
{
    public ValidateOptionsResult Validate(string? name, HostOptions options)
    {
        var parts = lines.Get(ShutdownBudget.LinesName).Append(new("margin", ShutdownBudget.Margin)).ToList();
        var required = parts.Aggregate(TimeSpan.Zero, (sum, part) => sum + part.Value);

        // Infinite never cuts a wait short.
        if (options.ShutdownTimeout == Timeout.InfiniteTimeSpan || options.ShutdownTimeout > required)
        {
            return ValidateOptionsResult.Success;
        }

        var terms = string.Join(" + ", parts.Select(part => $"{part.Key} ({part.Value:c})"));
        return ValidateOptionsResult.Fail(
            $"{ShutdownBudget.ShutdownTimeoutKey} ({options.ShutdownTimeout:c}) must exceed {terms} = {required:c}.");
    }
}
