using Exp22.ServiceDefaults.Health;

namespace Exp22.Api.Database;

public static class DatabaseSetup
{
    /// <summary>The background migration and the readiness that waits for it.</summary>
    public static IServiceCollection AddSchemaMigrationInBackground(this IServiceCollection services)
    {
        services.AddSingleton<SchemaState>();
        services.AddHostedService<SchemaMigrationLoop>();
        services.AddHealthChecks().AddCheck<SchemaHealthCheck>("schema", tags: [HealthTags.Ready]);
        return services;
    }
}
