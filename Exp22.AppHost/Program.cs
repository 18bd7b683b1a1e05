using Exp22.AppHost.Commands;
using Exp22.AppHost.Links;
using Exp22.AppHost.Postgres;
using Exp22.AppHost.Settings;

var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettingsLoader.Load(builder.Configuration);

// "postgres" with its database "exp22db": as AppHost:Postgres says; else the server of ConnectionStrings:exp22db;
// else Aspire's container when a container runtime answers; else this machine's binaries, data in .data/postgres.
var postgres = await PostgresChoice.DecideAsync(builder.Configuration, settings);
var dataDirectory = Path.GetFullPath(settings.DataDirectory ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));
var db = builder.AddAppDatabase(postgres, dataDirectory);

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
