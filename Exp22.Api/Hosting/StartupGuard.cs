using Microsoft.Extensions.Options;
using Npgsql;

namespace Exp22.Api.Hosting;

/// <summary>
/// Runs the API and turns a failure to start into one line on stderr and exit code 1, instead of an
/// unhandled exception's stack trace: a bad setting (the message names its key) or a database that
/// cannot be reached for the schema migration.
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
        catch (NpgsqlException e)
        {
            return Fail($"the database of {WorkflowsDatabase.ConnectionStringKey} could not be prepared: {e.Message}");
        }
    }

    private static int Fail(string reason)
    {
        Console.Error.WriteLine($"Exp22.Api cannot start: {reason}");
        return 1;
    }
}
