namespace Exp22.ServiceDefaults.Shutdown;

public static class ShutdownBudget
{
    public const string ShutdownTimeoutKey = "HostOptions:ShutdownTimeout";

    // Left after the declared drains for the work around them: handing leftovers back,
    // closing connections, stopping Kestrel.
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(2);
}
