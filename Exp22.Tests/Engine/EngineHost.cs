using Exp22.Workflows.Client;
using Exp22.Workflows.Execution;
using Exp22.Workflows.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Exp22.Tests.Engine;

/// <summary>
/// One engine process as the tests see it: a real generic host with its own connection pool, the
/// engine's hosted services and, when asked, an executor. Several of them against one database play
/// the API and the executor replicas.
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    private static int _nextExecutor;
    private readonly IHost _host;
    private bool _stopped;

    private EngineHost(IHost host, bool executor)
    {
        _host = host;
        Client = host.Services.GetRequiredService<WorkflowClient>();
        Executor = executor ? host.Services.GetRequiredService<WorkflowExecutor>() : null!;
    }

    public WorkflowClient Client { get; }

    /// <summary>Kept after the host is disposed, so tests can still read its id and state.</summary>
    public WorkflowExecutor Executor { get; }

    public IServiceProvider Services => _host.Services;

    public static Dictionary<string, string?> FastSettings() => new()
    {
        ["Workflows:ExecutorId"] = $"test-executor-{Interlocked.Increment(ref _nextExecutor)}",
        ["Workflows:Concurrency"] = "8",
        ["Workflows:HeartbeatInterval"] = "00:00:00.200",
        ["Workflows:HeartbeatTimeout"] = "00:00:01.500",
        ["Workflows:PollingInterval"] = "00:00:00.250",
        ["Workflows:WorkflowCompletionTimeout"] = "00:00:02",
    };

    public static async Task<EngineHost> StartAsync(
        string connectionString, ExecutionLog log, bool executor = true,
        Action<Dictionary<string, string?>>? configure = null, Action<WorkflowsBuilder>? registerMore = null)
    {
        var settings = FastSettings();
        configure?.Invoke(settings);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddNpgsqlDataSource(connectionString, dataSource => dataSource.UseWorkflowsDefaults());
        builder.Services.AddSingleton(log);
        var workflows = builder.Services.AddWorkflows()
            .AddWorkflow<StepsWorkflow>()
            .AddWorkflow<FanOutWorkflow>()
            .AddWorkflow<NestedWorkflow>()
            .AddWorkflow<FlakyStepWorkflow>()
            .AddWorkflow<ThrowingWorkflow>()
            .AddWorkflow<ParentOfFailingChildWorkflow>()
            .AddWorkflow<NonDeterministicWorkflow>();
        registerMore?.Invoke(workflows);
        if (executor)
            workflows.AddExecutor();

        var host = builder.Build();
        await host.StartAsync();
        return new EngineHost(host, executor);
    }

    /// <summary>A graceful stop: the executor drains.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await _host.StopAsync();
    }

    /// <summary>The process "dies": nothing is handed back, heartbeats just stop.</summary>
    public async Task AbandonAsync()
    {
        _stopped = true;
        await Executor.AbandonAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
            await StopAsync();
        if (_host is IAsyncDisposable disposable)
            await disposable.DisposeAsync();
        else
            _host.Dispose();
    }
}
