using Exp22.Workflows.Execution;

namespace Exp22.Executor.Status;

public static class StatusEndpoint
{
    /// <summary><c>GET /status</c>: the executor's id, running or draining, and its in-flight workflows.</summary>
    public static WebApplication MapExecutorStatus(this WebApplication app)
    {
        app.MapGet("/status", (WorkflowExecutor executor) => executor.GetStatus());
        return app;
    }
}
