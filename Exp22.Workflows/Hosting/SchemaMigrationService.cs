using Exp22.Workflows.Schema;
using Microsoft.Extensions.Hosting;

namespace Exp22.Workflows.Hosting;

/// <summary>Migrates the schema before any other engine service starts (hosted services start in order).</summary>
internal sealed class SchemaMigrationService(SchemaMigrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
