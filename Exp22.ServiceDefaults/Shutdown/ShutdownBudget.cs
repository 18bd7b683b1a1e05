namespace Exp22.ServiceDefaults.Shutdown;

/// <summary>
/// The waits <c>HostOptions:ShutdownTimeout</c> must contain. Each part of a host declares its own, keyed
/// by the setting it comes from, in the named options <see cref="LinesName"/> of type
/// <c>Dictionary&lt;string, TimeSpan&gt;</c>: framework types only, so the workflow engine declares its
/// drain there without referencing this project (see <c>AddExecutor()</c>).
/// </summary>
public static class ShutdownBudget
{
    public const string ShutdownTimeoutKey = "HostOptions:ShutdownTimeout";

    public const string LinesName = ShutdownTimeoutKey;

    // Left after the declared waits for the work around them: stopping the other services, flushing
    // logs, disposing connections.
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(2);
}
