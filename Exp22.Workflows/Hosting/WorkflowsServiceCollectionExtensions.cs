using Exp22.Workflows.Client;
using Exp22.Workflows.Execution;
using Exp22.Workflows.Monitoring;
using Exp22.Workflows.Retention;
using Exp22.Workflows.Schedules;
using Exp22.Workflows.Schema;
using Exp22.Workflows.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Hosting;

public static class WorkflowsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine's schema migration, client and monitoring read models, with options bound from the <c>Workflows</c>
    /// section and validated at start. Needs an <c>NpgsqlDataSource</c> in the container.
    /// </summary>
    public static WorkflowsBuilder AddWorkflows(this IServiceCollection services)
    {
        services.AddOptions<WorkflowsOptions>()
            .BindConfiguration(WorkflowsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<WorkflowsOptions>, QueueDefinitionsConfiguration>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkflowsOptions>, ScheduleDeclarationsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SchemaMigrator>();
        services.TryAddSingleton<WorkflowClient>();
        services.TryAddSingleton<ScheduleClient>();
        services.TryAddSingleton<WorkflowMonitor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SchemaMigrationService>());

        var registry = services.FirstOrDefault(d => d.ServiceType == typeof(WorkflowRegistry))?.ImplementationInstance
            as WorkflowRegistry;
        if (registry is null)
        {
            registry = new WorkflowRegistry();
            services.AddSingleton(registry);
        }

        return new WorkflowsBuilder(services, registry);
    }
}

public sealed class WorkflowsBuilder
{
    private readonly WorkflowRegistry _registry;

    internal WorkflowsBuilder(IServiceCollection services, WorkflowRegistry registry)
    {
        Services = services;
        _registry = registry;
    }

    public IServiceCollection Services { get; }

    /// <summary>Registers a workflow type; its constructor dependencies come from the container.</summary>
    public WorkflowsBuilder AddWorkflow<TWorkflow>() where TWorkflow : class
    {
        var baseType = typeof(TWorkflow).BaseType;
        while (baseType is not null && !(baseType.IsGenericType && baseType.GetGenericTypeDefinition() == typeof(Workflow<,>)))
            baseType = baseType.BaseType;
        if (baseType is null)
            throw new ArgumentException($"{typeof(TWorkflow)} does not derive from Workflow<TInput, TOutput>.");

        var add = typeof(WorkflowRegistry).GetMethod(nameof(WorkflowRegistry.Add),
                System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .MakeGenericMethod([typeof(TWorkflow), .. baseType.GetGenericArguments()]);
        add.Invoke(_registry, null);
        return this;
    }

    /// <summary>
    /// Declares a queue's limits in code. A definition of the same queue in configuration
    /// (<c>Workflows:Queues:&lt;name&gt;:...</c>) replaces this one; both are validated at start.
    /// Declaring a queue does not make the executor claim from it: <c>Workflows:Queues</c> says that.
    /// </summary>
    public WorkflowsBuilder AddQueue(string name, Action<QueueDefinition> define)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var definition = new QueueDefinition();
        define(definition);
        Services.Configure<WorkflowsOptions>(options => options.QueueDefinitions[name] = definition);
        return this;
    }

    /// <summary>
    /// For a host that must start while the database is down (the API answers 503 until it is back):
    /// the schema is not migrated at start; the host runs <see cref="Schema.SchemaMigrator"/> itself.
    /// </summary>
    public WorkflowsBuilder WithoutMigrationAtStart()
    {
        foreach (var migration in Services.Where(d => d.ImplementationType == typeof(SchemaMigrationService)).ToList())
            Services.Remove(migration);
        return this;
    }

    /// <summary>
    /// Runs the registered workflows in this process: claims, heartbeats and drains on stop. Adds the
    /// executor's readiness check (tag <c>ready</c>) and its drain to the host's shutdown budget: the host
    /// refuses to start when <c>HostOptions:ShutdownTimeout</c> cannot contain the drain.
    /// </summary>
    public WorkflowsBuilder AddExecutor()
    {
        if (Services.Any(d => d.ServiceType == typeof(WorkflowExecutor)))
            return this;

        Services.AddOptions<HostOptions>()
            .BindConfiguration("HostOptions")
            .ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HostOptions>, ExecutorShutdownBudget>());
        Services.AddOptions<Dictionary<string, TimeSpan>>(ExecutorShutdownBudget.LinesName)
            .Configure<IOptions<WorkflowsOptions>>((lines, workflows) =>
            {
                foreach (var (key, duration) in ExecutorShutdownBudget.Lines(workflows.Value))
                    lines[key] = duration;
            });
        Services.AddHealthChecks()
            .AddCheck<ExecutorHealthCheck>("executor", tags: [ExecutorHealthCheck.ReadyTag]);

        Services.TryAddSingleton<QueueClaims>();
        Services.TryAddSingleton<LimitedQueueClaims>();
        Services.TryAddSingleton<QueueDefinitionStore>();
        Services.TryAddSingleton<Handover>();
        Services.TryAddSingleton<Release>();
        Services.TryAddSingleton<ExecutorHeartbeat>();
        Services.TryAddSingleton<NotificationListener>();
        Services.TryAddSingleton<StepCheckpoints>();
        Services.TryAddSingleton<ChildWorkflowStarts>();
        Services.TryAddSingleton<MessageStatements>();
        Services.TryAddSingleton<WorkflowOutcomes>();
        Services.TryAddSingleton<WorkflowRunner>();
        Services.TryAddSingleton(sp => new WorkflowExecutor(
            sp.GetRequiredService<IOptions<WorkflowsOptions>>(),
            sp.GetRequiredService<WorkflowRegistry>(),
            sp.GetRequiredService<QueueClaims>(),
            sp.GetRequiredService<LimitedQueueClaims>(),
            sp.GetRequiredService<QueueDefinitionStore>(),
            sp.GetRequiredService<Handover>(),
            sp.GetRequiredService<Release>(),
            sp.GetRequiredService<ExecutorHeartbeat>(),
            sp.GetRequiredService<NotificationListener>(),
            sp.GetRequiredService<WorkflowRunner>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<WorkflowExecutor>>()));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkflowExecutor>(
            sp => sp.GetRequiredService<WorkflowExecutor>()));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ExecutorGaugesRegistration>());
        Services.TryAddSingleton<ScheduleTicker>();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ScheduleTickerService>());
        Services.TryAddSingleton<RetentionSweep>();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RetentionService>());
        return this;
    }
}
