using Exp22.AppHost.Commands;
using Exp22.AppHost.Links;
using Exp22.AppHost.Postgres;
using Exp22.AppHost.Settings;

var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettingsLoader.Load(builder.Configuration);

// "postgres" with its database "exp22db": Aspire's container when a container runtime answers, else this
// machine's PostgreSQL binaries (data in .data/postgres), else the server of ConnectionStrings:exp22db.
var postgres = await PostgresChoice.DecideAsync(builder.Configuration, settings);
var db = builder.AddAppDatabase(postgres, settings.DataDirectory ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));

// Plain HTTP on loopback: no development certificate to configure, none to warn about.
builder.AddProject<Projects.Exp22_Api>("api")
    .WithHttpEndpoint(port: settings.Ports.Api, name: "http")
    .WithoutHttpsCertificate()
    .WithHttpHealthCheck("/health/ready")
    .WithReference(db)
    .WaitFor(db)
    .WithShutdownTimings(settings.Api)
    .WithApiLinks()
    .WithSeedRunCommand();

foreach (var (name, port) in new[] { ("executor-1", settings.Ports.Executor1), ("executor-2", settings.Ports.Executor2) })
{
    builder.AddProject<Projects.Exp22_Executor>(name)
        .WithHttpEndpoint(port: port, name: "http")
        .WithoutHttpsCertificate()
        .WithHttpHealthCheck("/health/ready")
        .WithEnvironment("Workflows__ExecutorId", $"exp22-{name}")
        .WithReference(db)
        .WaitFor(db)
        .WithShutdownTimings(settings.Executor)
        .WithDrainCommand(settings.Executor.WorkflowCompletionTimeout);
}

await builder.Build().RunAsync();
