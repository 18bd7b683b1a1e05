using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Exp22.ServiceDefaults.Health;

/// <summary>
/// Makes the database check that Aspire.Npgsql's <c>AddNpgsqlDataSource</c> registers part of readiness, and
/// bounds it: a service without its database takes no traffic and claims no work, and says so quickly.
/// </summary>
internal static class DatabaseReadiness
{
    /// <summary>The name Aspire.Npgsql gives the check of the (unkeyed) data source.</summary>
    public const string AspireNpgsqlCheckName = "PostgreSql";

    /// <summary>A probe that hangs tells the balancer nothing.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public static IServiceCollection AddDatabaseReadiness(this IServiceCollection services) =>
        services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => r.Name == AspireNpgsqlCheckName))
            {
                registration.Tags.Add(HealthTags.Ready);
                registration.Timeout = Timeout;
                var factory = registration.Factory;
                registration.Factory = provider => new BoundedHealthCheck(factory(provider), Timeout);
            }
        });

    // The registration's timeout only cancels the check's token, and Npgsql ignores that token while it
    // waits for a server's startup reply: a server that accepts but never answers held the check for the
    // connection's whole 15 s timeout. The check is abandoned at the bound instead; it ends on its own.
    private sealed class BoundedHealthCheck(IHealthCheck inner, TimeSpan bound) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.CheckHealthAsync(context, cancellationToken).WaitAsync(bound, cancellationToken);
            }
            catch (TimeoutException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"no answer from the database within {bound.TotalSeconds:0} s");
            }
        }
    }
}
