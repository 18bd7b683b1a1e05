using Exp22.AppHost.Settings;

namespace Exp22.AppHost.Postgres;

/// <summary>The app's database <c>exp22db</c> on the server <c>postgres</c>, whichever way <see cref="PostgresChoice"/> picked.</summary>
internal static class DatabaseBuilderExtensions
{
    public static IResourceBuilder<IResourceWithConnectionString> AddAppDatabase(
        this IDistributedApplicationBuilder builder, PostgresChoice choice, string dataDirectory)
    {
        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            var mode = Describe(choice.Mode, dataDirectory);
            @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Exp22.AppHost").PostgresChosen(mode, choice.Reason);
            return Task.CompletedTask;
        });

        return choice.Mode switch
        {
            PostgresMode.Container => builder.AddPostgres(PostgresChoice.ServerName).WithDataVolume().AddDatabase(PostgresChoice.DatabaseName),
            PostgresMode.LocalBinaries => builder.AddLocalPostgres(PostgresChoice.ServerName, ClusterDirectory(dataDirectory)).AddDatabase(PostgresChoice.DatabaseName),
            PostgresMode.ConnectionString => builder.AddConnectionString(PostgresChoice.DatabaseName),
            _ => throw new ArgumentOutOfRangeException(nameof(choice), choice.Mode, "PostgresChoice decides before the model is built."),
        };
    }

    private static string ClusterDirectory(string dataDirectory) => Path.Combine(dataDirectory, "postgres");

    private static string Describe(PostgresMode mode, string dataDirectory) => mode switch
    {
        PostgresMode.Container => "Aspire's PostgreSQL container, data in a volume",
        PostgresMode.LocalBinaries => $"this machine's server binaries, data in {ClusterDirectory(dataDirectory)}",
        _ => $"the external server of {PostgresChoice.ConnectionStringKey}",
    };
}
