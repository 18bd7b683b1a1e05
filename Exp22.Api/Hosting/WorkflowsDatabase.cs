using Exp22.Api.Database;
using Exp22.ServiceDefaults;
using Exp22.Workflows.Hosting;
using Exp22.Workflows.Telemetry;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Exp22.Api.Hosting;

public static class WorkflowsDatabase
{
    public const string ConnectionStringKey = $"ConnectionStrings:{ConnectionNames.Database}";

    /// <summary>
    /// The engine's client over <c>ConnectionStrings:exp22db</c>, and its schema migrated in the background:
    /// the API starts (and answers 503) while the database is down.
    /// Call it before <c>AddServiceDefaults</c>: a missing or malformed connection string then stops the
    /// process with one line naming the key, before the health checks try to use it.
    /// </summary>
    public static WebApplicationBuilder AddWorkflowsDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionNames.Database);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new StartupConfigurationException(
                $"{ConnectionStringKey} is not set. Give the PostgreSQL connection string in appsettings.json or the " +
                $"environment, e.g. ConnectionStrings__{ConnectionNames.Database}=\"Host=localhost;Port=5432;Username=postgres;Database=postgres\".");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new StartupConfigurationException($"{ConnectionStringKey} is not a valid PostgreSQL connection string: {e.Message}");
        }

        // Aspire's client integration: the data source with its health check, tracing and metrics.
        builder.AddNpgsqlDataSource(ConnectionNames.Database,
            configureDataSourceBuilder: data => data.TraceCommandsOnlyWithinSpans().UseWorkflowsDefaults());
        builder.Services.AddWorkflows().WithoutMigrationAtStart();
        builder.Services.AddSchemaMigrationInBackground();
        return builder;
    }
}
