using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.WorkflowsDashboard;

/// <summary>The API (which mounts the dashboard) and one executor, as real processes on a fresh database.</summary>
public sealed class DashboardServices : IAsyncLifetime
{
    public const string TraceUrlTemplate = "http://127.0.0.1:18888/traces/detail/{traceId}";

    private ServiceProcess? _api;
    private ServiceProcess? _executor;

    public ServiceProcess Api => _api!;

    public string Database { get; private set; } = "";

    public static Dictionary<string, string> ExecutorEnvironment(string database, string id) => new()
    {
        ["ConnectionStrings__exp22db"] = database,
        ["Workflows__ExecutorId"] = id,
        ["Workflows__HeartbeatInterval"] = "00:00:00.500",
        ["Workflows__HeartbeatTimeout"] = "00:00:03",
    };

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabaseAsync("dashboard");
        _api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = Database,
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["WorkflowsDashboard__TraceUrlTemplate"] = TraceUrlTemplate,
        });
        _executor = ServiceProcess.Start("Exp22.Executor", "exp22-executor-1", ExecutorEnvironment(Database, "exp22-executor-1"));
        await Task.WhenAll(_api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)), _executor.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));
    }

    public async Task DisposeAsync()
    {
        if (_executor is not null)
            await _executor.DisposeAsync();
        if (_api is not null)
            await _api.DisposeAsync();
    }
}
