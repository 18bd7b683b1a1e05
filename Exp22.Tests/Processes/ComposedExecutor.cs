using Exp22.Tests.Engine;
using Exp22.Workflows.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Exp22.Tests.Processes;

public enum RegistrationOrder
{
    ServiceDefaultsFirst,
    ExecutorFirst,
}

/// <summary>
/// An executor host composed like Exp22.Executor's, with AddServiceDefaults() and AddExecutor() called in
/// the order a test chooses. Built in the test process, or run as a real process: this very test assembly
/// started with <c>dotnet</c> and a startup hook (see <c>StartupHook</c>), so no extra project is needed.
/// </summary>
public static class ComposedExecutor
{
    public const string OrderVariable = "EXP22_TEST_COMPOSED_EXECUTOR_ORDER";

    public static WebApplication Build(RegistrationOrder order, string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (order == RegistrationOrder.ServiceDefaultsFirst)
            builder.AddServiceDefaults();
        builder.Services.AddNpgsqlDataSource(builder.Configuration.GetConnectionString("exp22db")!, data => data.UseWorkflowsDefaults());
        builder.Services.AddSingleton(new ExecutionLog());
        builder.Services.AddWorkflows().AddWorkflow<StepsWorkflow>().AddExecutor();
        if (order == RegistrationOrder.ExecutorFirst)
            builder.AddServiceDefaults();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>Runs in the child process: serves until SIGTERM, then exits with the host's result.</summary>
    internal static void Run(RegistrationOrder order)
    {
        try
        {
            Build(order, []).Run();
            Environment.Exit(0);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"The composed executor failed: {e}");
            Environment.Exit(1);
        }
    }
}
