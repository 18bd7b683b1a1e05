namespace Exp22.Api.Hosting;

/// <summary>A setting that makes starting pointless; its message names the key.</summary>
public sealed class StartupConfigurationException(string message) : Exception(message);
