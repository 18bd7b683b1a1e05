using Exp22.Workflows.Execution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Hosting;

/// <summary>
/// The executor's drain inside the host's <c>HostOptions:ShutdownTimeout</c>: a host that stops sooner
/// cuts the drain short, so the executor refuses to start instead. The engine checks its own waits
/// wherever it is hosted; it also declares them, by configuration key, in the named options
/// <see cref="LinesName"/> (a <c>Dictionary&lt;string, TimeSpan&gt;</c>), where a host's own budget check
/// adds them to the host's other waits (drain delay, request drain). Framework types only, so that the
/// engine needs no reference to the host's defaults, nor they to the engine.
/// </summary>
internal sealed class ExecutorShutdownBudget(IOptions<WorkflowsOptions> workflows) : IValidateOptions<HostOptions>
{
    public const string ShutdownTimeoutKey = "HostOptions:ShutdownTimeout";

    /// <summary>The name of the options every part of a host declares its shutdown waits in.</summary>
    public const string LinesName = ShutdownTimeoutKey;

    /// <summary>The drain's phases, in order; each has a deadline of its own.</summary>
    public static IEnumerable<KeyValuePair<string, TimeSpan>> Lines(WorkflowsOptions options) =>
    [
        new(WorkflowsOptions.WorkflowCompletionTimeoutKey, options.WorkflowCompletionTimeout),
        new(WorkflowsOptions.HandoverTimeoutKey, options.HandoverTimeout),
        new(WorkflowsOptions.LeaveTimeoutKey, options.LeaveTimeout),
    ];

    public ValidateOptionsResult Validate(string? name, HostOptions options)
    {
        var lines = Lines(workflows.Value).ToList();
        var drain = lines.Aggregate(TimeSpan.Zero, (sum, line) => sum + line.Value);
        if (options.ShutdownTimeout == Timeout.InfiniteTimeSpan || options.ShutdownTimeout > drain)
            return ValidateOptionsResult.Success;

        var terms = string.Join(" + ", lines.Select(line => $"{line.Key} ({line.Value:c})"));
        return ValidateOptionsResult.Fail(
            $"{ShutdownTimeoutKey} ({options.ShutdownTimeout:c}) must exceed the executor's drain, {terms} = {drain:c}.");
    }
}
