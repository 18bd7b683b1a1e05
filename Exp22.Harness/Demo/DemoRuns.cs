using System.Globalization;

namespace Exp22.Harness.Demo;

/// <summary>
/// The seed's demo run as the product defines it (Exp22.Executor's <c>demo-run</c>, Exp22.Api's seed
/// endpoint and <c>POST /runs</c>): its workflow name, its input document and the seed's query.
/// </summary>
public static class DemoRuns
{
    /// <summary>The workflow the executor registers for a run of sub-workflows.</summary>
    public const string Workflow = "demo-run";

    /// <summary>The seed's endpoint's query parameters.</summary>
    public const string SubWorkflowsQuery = "n_sub_workflows";
    public const string StepsQuery = "n_steps_per_workflow";

    /// <summary>The run's input, which is also the body of <c>POST /runs</c>: <paramref name="subWorkflows"/> children of
    /// <paramref name="steps"/> steps, each step sleeping between the two delays.</summary>
    public static string Input(int subWorkflows, int steps, int minDelayMs = 0, int maxDelayMs = 0) =>
        string.Create(CultureInfo.InvariantCulture,
            $$$"""{"subWorkflows":{{{subWorkflows}}},"stepsPerWorkflow":{{{steps}}},"stepDelayMs":{"min":{{{minDelayMs}}},"max":{{{maxDelayMs}}}}}""");

    /// <summary>The seed's <c>GET /?n_sub_workflows=…&amp;n_steps_per_workflow=…</c>, relative to the API's address.</summary>
    public static string SeedPath(int subWorkflows, int steps) =>
        string.Create(CultureInfo.InvariantCulture, $"/?{SubWorkflowsQuery}={subWorkflows}&{StepsQuery}={steps}");
}
