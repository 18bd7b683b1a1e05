using System.Text.Json;
using Exp22.Harness.Demo;

namespace Exp22.AppHost.Commands;

/// <summary>
/// "Start seed run" on the API: asks for the seed's two numbers and calls the seed's own endpoint
/// (<c>GET /?n_sub_workflows=…&amp;n_steps_per_workflow=…</c>, the curl of the README), so the run is the seed's, with
/// the executor's step delays. The answer's run id is the command's result; a 400 shows the API's field errors.
/// </summary>
internal static class SeedRunCommand
{
    public const string Name = "start-seed-run";

    public static IResourceBuilder<ProjectResource> WithSeedRunCommand(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithHttpCommand("/", "Start seed run", commandName: Name, commandOptions: new HttpCommandOptions
        {
            Method = HttpMethod.Get,
            Description = "Enqueue a run of n_sub_workflows sub-workflows with n_steps_per_workflow steps each.",
            IconName = "Play",
            Arguments =
            [
                Number(DemoRuns.SubWorkflowsQuery, "Sub-workflows", "6"),
                Number(DemoRuns.StepsQuery, "Steps per sub-workflow", "5"),
            ],
            PrepareRequest = context =>
            {
                var path = DemoRuns.SeedPath(
                    context.Arguments.GetInt32(DemoRuns.SubWorkflowsQuery),
                    context.Arguments.GetInt32(DemoRuns.StepsQuery));
                context.Request.RequestUri = new Uri(new Uri(context.Endpoint.Url), path);
                return Task.CompletedTask;
            },
            GetCommandResult = async context =>
            {
                var body = await context.Response.Content.ReadAsStringAsync(context.CancellationToken);
                if (!context.Response.IsSuccessStatusCode)
                    return CommandResults.Failure($"The API answered {(int)context.Response.StatusCode}", body, CommandResultFormat.Json);
                var runId = JsonDocument.Parse(body).RootElement.GetProperty("runId").GetString();
                return CommandResults.Success($"Run {runId} enqueued", body, CommandResultFormat.Json);
            },
        });

    private static InteractionInput Number(string name, string label, string value) => new()
    {
        Name = name,
        Label = label,
        InputType = InputType.Number,
        Required = true,
        Value = value,
    };
}
