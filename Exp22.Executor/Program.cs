using Exp22.Executor.Demo;
using Exp22.Executor.Faults;
using Exp22.Executor.Status;
using Exp22.ServiceDefaults;
using Exp22.Workflows.Hosting;
using Exp22.Workflows.Telemetry;

// Content root = the build output, where appsettings.json is, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
    builder.WebHost.UseUrls("http://localhost:8001");

var connectionString = builder.Configuration.GetConnectionString(ConnectionNames.Database);
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine($"ConnectionStrings:{ConnectionNames.Database} is not set: point it at the PostgreSQL server " +
                            $"(env ConnectionStrings__{ConnectionNames.Database}), or start everything with the AppHost.");
    return 1;
}

// Aspire's client integration: the data source with its health check (part of readiness), tracing and metrics.
builder.AddNpgsqlDataSource(ConnectionNames.Database,
    configureDataSourceBuilder: data => data.TraceCommandsOnlyWithinSpans().UseWorkflowsDefaults());
builder.Services.AddWorkflows()
    .AddWorkflow<DemoRunWorkflow>()
    .AddWorkflow<DemoSubWorkflow>()
    .AddWorkflow<DemoOrderWorkflow>()
    .AddFaultWorkflowsIfEnabled(builder.Configuration)
    .AddExecutor();
builder.Services.AddOptions<DemoOptions>()
    .BindConfiguration(DemoOptions.SectionName)
    .ValidateDataAnnotations()
    .ValidateOnStart();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapExecutorStatus();
await app.RunAsync();
return 0;
