namespace Exp22.ServiceDefaults.Shutdown;

// One wait that must fit inside HostOptions.ShutdownTimeout, named by its configuration key.
internal sealed record ShutdownDrain(string Key, TimeSpan Duration);
