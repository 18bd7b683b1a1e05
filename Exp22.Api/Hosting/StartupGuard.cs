using Microsoft.Extensions.Options;

namespace Exp22.Api.Hosting;

/// <summary>
/// Runs the API and turns a failure to start into one line on stderr and exit code 1, instead of an
/// unhandled exception's stack trace: a bad setting, whose message names its key. (A database that is
/// down is not a reason to stop: the API waits for it and answers 503 meanwhile.)
/// </summary>
public static class StartupGuard
{
    public static int Run(Action run)
    {
        try
        {
            run();
            return 0;
        }
        catch (Exception e) when (e is StartupConfigurationException or OptionsValidationException)
        {
            return Fail(e.Message);
        }
    }

    private static int Fail(string reason)
    {
        Console.Error.WriteLine($"Exp22.Api cannot start: {reason}");
        return 1;
    }
}
