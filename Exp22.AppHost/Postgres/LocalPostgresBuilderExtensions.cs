using Exp22.Harness.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Exp22.AppHost.Postgres;

/// <summary>
/// <c>AddLocalPostgres(...).AddDatabase(...)</c>: Aspire's PostgreSQL hosting shape for a server run from this
/// machine's binaries. initdb runs once into the data directory; the server runs as the <c>postgres</c> user
/// when the AppHost is root (setpriv, which execs in place, so the orchestrator's signals reach the server);
/// a stop is a fast shutdown (run-postgres.sh); the resource is healthy once it answers a query, and its
/// databases are created and reported running then.
/// </summary>
public static class LocalPostgresBuilderExtensions
{
    private const string ResourceType = "PostgresDatabase";

    /// <summary>Runs the server and turns the orchestrator's SIGTERM into PostgreSQL's fast shutdown (see the script).</summary>
    private static readonly string RunScript = Path.Combine(
        Path.GetDirectoryName(typeof(LocalPostgresBuilderExtensions).Assembly.Location)!, "Postgres", "run-postgres.sh");

    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory)
    {
        var binaries = PostgresBinaries.Find();
        var account = ServerAccount.ForCurrentProcess();
        var options = new PostgresServerOptions();
        var server = new LocalPostgresServerResource(name, "/bin/sh", Path.GetFullPath(dataDirectory));

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new PostgresQueryHealthCheck(server), failureStatus: null, tags: null));

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (@event, ct) =>
        {
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
            if (await PostgresCluster.PrepareAsync(binaries, account, options, server.DataDirectory, noSync: false, ct))
                logger.ClusterCreated(server.DataDirectory);
            logger.PostgresStarting(binaries.Postgres, server.DataDirectory,
                account.SwitchTo is null ? "" : $" as the '{account.SwitchTo}' user");

            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var database in server.Databases.Values)
                await notifications.PublishUpdateAsync(database, s => s with { State = KnownResourceStates.Starting, StopTimeStamp = null });
        });

        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (@event, ct) =>
        {
            var adminConnectionString = await server.ConnectionStringExpression.GetValueAsync(ct)
                                        ?? throw new InvalidOperationException($"{name} has no connection string yet.");
            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var database in server.Databases.Values)
            {
                await PostgresDatabases.CreateIfMissingAsync(adminConnectionString, database.DatabaseName, ct);
                await notifications.PublishUpdateAsync(database, s => s with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                    StopTimeStamp = null,
                });
            }
        });

        return builder.AddResource(server)
            .WithEndpoint(name: LocalPostgresServerResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(RunScript);
                foreach (var argument in account.Command(binaries.Postgres, PostgresCluster.ServerArguments(options, server.DataDirectory)))
                    context.Args.Add(argument);
                context.Args.Add("-c");
                context.Args.Add(ReferenceExpression.Create($"port={server.PrimaryEndpoint.Property(EndpointProperty.TargetPort)}"));
            })
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();
    }

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new LocalPostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases[name] = database;

        var healthCheckKey = $"{name}_check";
        server.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new PostgresQueryHealthCheck(database), failureStatus: null, tags: null));

        // The orchestrator forwards a parent's state to its children only for containers: this child follows
        // its server here, or whatever waits for it would wait for ever.
        server.ApplicationBuilder.Eventing.Subscribe<ResourceStoppedEvent>(database, async (@event, _) =>
        {
            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            var stopped = @event.ResourceEvent.Snapshot;
            await notifications.PublishUpdateAsync(database, s => s with { State = stopped.State, StopTimeStamp = stopped.StopTimeStamp });
        });

        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = ResourceType,
                State = KnownResourceStates.Waiting,
                Properties = [new(CustomResourceKnownProperties.Source, server.Resource.Name)],
            })
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();
    }
}
