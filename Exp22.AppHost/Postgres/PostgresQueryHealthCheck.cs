using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Exp22.AppHost.Postgres;

/// <summary>
/// Healthy when the resource's connection string opens a connection that answers <c>SELECT 1</c>. Unpooled:
/// an idle pooled connection held by the AppHost would be one more client for a shutdown to wait on.
/// </summary>
internal sealed class PostgresQueryHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    private const int TimeoutSeconds = 3;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            var probe = new NpgsqlConnectionStringBuilder(connectionString)
            {
                Pooling = false,
                Timeout = TimeoutSeconds,
                CommandTimeout = TimeoutSeconds,
            };
            await using var connection = new NpgsqlConnection(probe.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(e.Message, e);
        }
    }
}
