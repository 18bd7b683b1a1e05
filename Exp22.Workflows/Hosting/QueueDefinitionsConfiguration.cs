using System.Globalization;
using Exp22.Workflows.Execution;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Hosting;

/// <summary>
/// Reads the named keys of <c>Workflows:Queues</c> as queue definitions. The same section holds the indexed
/// list of queue names, which the ordinary binding reads; a definition from configuration replaces one
/// declared in code for the same queue, so operators can retune limits without a build.
/// </summary>
internal sealed class QueueDefinitionsConfiguration(IConfiguration configuration) : IPostConfigureOptions<WorkflowsOptions>
{
    private static readonly HashSet<string> Settings = new(
        typeof(QueueDefinition).GetProperties().Where(p => p.CanWrite).Select(p => p.Name), StringComparer.OrdinalIgnoreCase);

    public void PostConfigure(string? name, WorkflowsOptions options)
    {
        var section = configuration.GetSection($"{WorkflowsOptions.SectionName}:{nameof(WorkflowsOptions.Queues)}");
        var named = section.GetChildren().Where(c => c.Value is null && !int.TryParse(c.Key, CultureInfo.InvariantCulture, out _)).ToList();
        foreach (var queue in named)
        {
            // A misspelt limit must not pass silently as no limit at all.
            var unknown = queue.GetChildren().Where(c => !Settings.Contains(c.Key)).Select(c => c.Path).ToList();
            if (unknown.Count > 0)
            {
                throw new OptionsValidationException(queue.Path, typeof(WorkflowsOptions),
                    [.. unknown.Select(key => $"{key} is not a queue setting; known: {string.Join(", ", Settings)}.")]);
            }

            var definition = new QueueDefinition();
            queue.Bind(definition);

            options.QueueDefinitions[queue.Key] = definition;
        }

        options.Queues = [.. options.Queues, .. named.Select(q => q.Key)];
    }
}
