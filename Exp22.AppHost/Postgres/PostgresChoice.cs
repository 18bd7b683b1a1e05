using System.ComponentModel;
using Exp22.AppHost.Settings;
using Exp22.Harness.Os;

namespace Exp22.AppHost.Postgres;

/// <summary>
/// Which PostgreSQL the model runs. <c>AppHost:Postgres</c> decides when it is set; otherwise
/// <c>ConnectionStrings:exp22db</c> means an external server, a container runtime that really answers
/// (a CLI on PATH without a daemon does not) means Aspire's PostgreSQL container, and anything else means a
/// server from this machine's binaries.
/// </summary>
internal sealed record PostgresChoice(PostgresMode Mode, string Reason)
{
    public const string ConnectionStringKey = $"ConnectionStrings:{DatabaseName}";
    public const string DatabaseName = "exp22db";
    public const string ServerName = "postgres";

    private static readonly TimeSpan RuntimeProbeTimeout = TimeSpan.FromSeconds(10);

    public static async Task<PostgresChoice> DecideAsync(IConfiguration configuration, AppHostSettings settings)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(configuration.GetConnectionString(DatabaseName));
        switch (settings.Postgres)
        {
            case PostgresMode.ConnectionString when !hasConnectionString:
                throw new AppHostSettingsException(
                    $"{AppHostSettings.SectionName}:Postgres is ConnectionString but {ConnectionStringKey} is not set.");
            case not PostgresMode.Auto:
                return new PostgresChoice(settings.Postgres, $"{AppHostSettings.SectionName}:Postgres={settings.Postgres}");
        }

        if (hasConnectionString)
            return new PostgresChoice(PostgresMode.ConnectionString, $"{ConnectionStringKey} is set");

        var runtime = ConfiguredRuntime(configuration);
        foreach (var candidate in runtime is null ? ["docker", "podman"] : new[] { runtime })
        {
            if (await AnswersAsync(candidate))
                return new PostgresChoice(PostgresMode.Container, $"'{candidate} container ls' answered");
        }

        return new PostgresChoice(PostgresMode.LocalBinaries, "no container runtime answered");
    }

    // The runtime Aspire itself would use, when the user named one.
    private static string? ConfiguredRuntime(IConfiguration configuration) =>
        configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } runtime ? runtime
        : configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } legacy ? legacy
        : null;

    // The same probe Aspire's container runtime check runs.
    private static async Task<bool> AnswersAsync(string runtime)
    {
        using var timeout = new CancellationTokenSource(RuntimeProbeTimeout);
        try
        {
            var (exitCode, _) = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(runtime, ["container", "ls", "-n", "1"]), timeout.Token);
            return exitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
