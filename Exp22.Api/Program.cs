using Exp22.Api.Hosting;
using Exp22.Api.OpenApi;
using Exp22.Api.Problems;
using Exp22.Api.Runs;
using Exp22.Api.Security;

// The HTTP API of DESIGN.md §5 over the engine's client; a bad setting stops it with one line naming the key.
return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddWorkflowsDatabase();
    builder.AddServiceDefaults();
    builder.ListenOnDefaultUrlUnlessConfigured();
    builder.AddApiSecurity();
    builder.Services.AddApiProblemDetails();
    builder.Services.AddApiOpenApi();
    builder.Services.AddRuns();

    var app = builder.Build();
    app.UseApiProblemDetails();
    app.MapOpenApi();
    app.MapDefaultEndpoints();
    app.MapRuns();
    app.Run();
});
