using Microsoft.Extensions.DependencyInjection;

namespace Exp22.Workflows.Execution;

/// <summary>Runs a workflow from its stored JSON input and returns its JSON output.</summary>
internal delegate Task<string> WorkflowInvoker(IServiceProvider services, WorkflowContext context, string input);

internal sealed record WorkflowRegistration(string Name, Type WorkflowType, WorkflowInvoker Invoke);

/// <summary>The workflow types this process can run, by stored name; an executor claims only these.</summary>
public sealed class WorkflowRegistry
{
    private readonly Dictionary<string, WorkflowRegistration> _byName = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _byName.Keys;

    internal bool TryFind(string name, out WorkflowRegistration registration) =>
        _byName.TryGetValue(name, out registration!);

    internal void Add<TWorkflow, TInput, TOutput>()
        where TWorkflow : Workflow<TInput, TOutput>
    {
        var name = WorkflowNames.Of<TWorkflow>();
        if (_byName.TryGetValue(name, out var existing) && existing.WorkflowType != typeof(TWorkflow))
            throw new InvalidOperationException(
                $"Workflow name '{name}' is used by both {existing.WorkflowType} and {typeof(TWorkflow)}.");

        _byName[name] = new WorkflowRegistration(name, typeof(TWorkflow), static async (services, context, input) =>
        {
            var workflow = ActivatorUtilities.GetServiceOrCreateInstance<TWorkflow>(services);
            var output = await workflow.RunAsync(context, WorkflowJson.Deserialize<TInput>(input)).ConfigureAwait(false);
            return WorkflowJson.Serialize(output);
        });
    }
}
