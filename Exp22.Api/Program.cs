using Exp22.Api.Dashboard;
using Exp22.Api.Hosting;
using Exp22.Api.OpenApi;
using Exp22.Api.Overload;
using Exp22.Api.Problems;
using Exp22.Api.Queues;
using Exp22.Api.Runs;
using Exp22.Api.Schedules;
using Exp22.Api.Security;
using Exp22.Api.Versions;

// The HTTP API of docs/design.md#http-endpoints over the engine's client; a bad setting stops it with one line naming the key.
return StartupGuard.Run(() =>
{
    // Content root = the build output, where appsettings.json is: the defaults (drain delay, shutdown
    // timeout) must not depend on the directory the process was started from.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddWorkflowsDatabase();
    builder.AddServiceDefaults();
    builder.ListenOnDefaultUrlUnlessConfigured();
    builder.AddApiSecurity();
    builder.AddOverloadShedding();
    builder.Services.AddApiProblemDetails();
    builder.Services.AddApiOpenApi();
    builder.Services.AddRuns();
    builder.Services.AddApiWorkflowsDashboard();

    var app = builder.Build();
    app.UseApiProblemDetails();
    app.UseRateLimiter();
    app.MapOpenApi();
    app.MapDefaultEndpoints();
    app.MapRuns();
    app.MapSchedules();
    app.MapVersions();
    app.MapQueues();
    app.MapApiWorkflowsDashboard();
    app.Run();
});
