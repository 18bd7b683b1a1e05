using System.Text.Json;
using Exp22.Api.Runs;

namespace Exp22.Api.Dashboard;

/// <summary>How many steps a demo workflow will take, from its stored input: the dashboard's progress totals.</summary>
public static class DemoRunSteps
{
    public static int? Total(string workflowName, JsonElement input) => workflowName switch
    {
        DemoWorkflows.Run => Integer(input, "subWorkflows") * Integer(input, "stepsPerWorkflow"),
        DemoWorkflows.Sub => Integer(input, "steps"),
        _ => null,
    };

    private static int? Integer(JsonElement input, string name) =>
        input.ValueKind == JsonValueKind.Object && input.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : null;
}
