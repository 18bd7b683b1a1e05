using System.Collections.Concurrent;
using System.Reflection;

namespace Exp22.Workflows;

public static class WorkflowNames
{
    private static readonly ConcurrentDictionary<Type, string> Cache = new();

    public static string Of<TWorkflow>() => Of(typeof(TWorkflow));

    public static string Of(Type workflowType) =>
        Cache.GetOrAdd(workflowType, static type => type.GetCustomAttribute<WorkflowNameAttribute>()?.Name ?? type.Name);
}
