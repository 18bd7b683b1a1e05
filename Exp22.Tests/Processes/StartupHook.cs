/// <summary>
/// Entry point of <see cref="Exp22.Tests.Postgres.OwnerProcess"/> and <see cref="Exp22.Tests.Processes.ComposedExecutor"/>. The runtime calls
/// <c>StartupHook.Initialize()</c> (global namespace, by convention) before Main in a process started with
/// <c>DOTNET_STARTUP_HOOKS</c> naming this assembly; in any other process it is never called, and it does
/// nothing unless the owner mode variable is set too.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(Exp22.Tests.Postgres.OwnerProcess.ModeVariable) == "1")
            Exp22.Tests.Postgres.OwnerProcess.Run();
        if (Environment.GetEnvironmentVariable(Exp22.Tests.Processes.ComposedExecutor.OrderVariable) is { Length: > 0 } order)
            Exp22.Tests.Processes.ComposedExecutor.Run(Enum.Parse<Exp22.Tests.Processes.RegistrationOrder>(order));
    }
}
