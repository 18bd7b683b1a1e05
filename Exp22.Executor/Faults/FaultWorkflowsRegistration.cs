using Exp22.Executor.Demo;
using Exp22.Workflows.Hosting;

namespace Exp22.Executor.Faults;

public static class FaultWorkflowsRegistration
{
    public const string EnabledKey = $"{DemoOptions.SectionName}:FaultWorkflows";

    /// <summary>
    /// Registers <see cref="FaultWorkflow"/> when <c>Demo:FaultWorkflows</c> is true. Off by default: an
    /// executor that does not register it never claims a <c>demo-fault</c> run (claims filter by name), so
    /// such a run waits for an executor that knows it.
    /// </summary>
    public static WorkflowsBuilder AddFaultWorkflowsIfEnabled(this WorkflowsBuilder workflows, IConfiguration configuration) =>
        configuration.GetValue<bool>(EnabledKey) ? workflows.AddWorkflow<FaultWorkflow>() : workflows;
}
