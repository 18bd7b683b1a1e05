using Exp22.AppHost.Model;

namespace Exp22.AppHost;

/// <summary>The Exp22 app model: the same definition for <c>dotnet run --project Exp22.AppHost</c> and for the tests' harness.</summary>
public static class AppModelDefinition
{
    public static void Build(DistributedApplicationBuilder builder)
    {
        // A private cluster kept in .data/postgres between runs, or the server of ConnectionStrings:exp22db.
        var db = builder.AddPostgres("postgres")
            .AddDatabase("exp22db");

        var api = builder.AddProject("api", "Exp22.Api")
            .WithHttpEndpoint(port: 8000)
            .WithReference(db)
            .WaitFor(db)
            .WithHttpHealthCheck("/health/ready");

        // Executor HostOptions:ShutdownTimeout is 30 s (its whole drain and request drain, docs/shutdown.md): its grace must exceed it.
        var executor = builder.AddProject("executor", "Exp22.Executor")
            .WithReplicas(2)
            .WithHttpEndpoint(port: 8001)
            .WithEnvironment("Workflows__ExecutorId", replica => $"exp22-executor-{replica.Index}")
            .WithReference(db)
            .WaitFor(db)
            .WithHttpHealthCheck("/health/ready")
            .WithStopGrace(TimeSpan.FromSeconds(40));

        builder.AddDashboard(port: 18888)
            .ShowRunsFrom(api)
            .ShowDrainsFrom(executor, "/status");
    }
}
