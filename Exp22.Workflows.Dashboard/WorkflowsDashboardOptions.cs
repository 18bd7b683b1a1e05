using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Exp22.Workflows.Dashboard;

/// <summary>
/// The <c>WorkflowsDashboard</c> configuration section, and what a host sets in code
/// (<see cref="StartForm"/>, <see cref="StepsTotal"/>) in <c>AddWorkflowsDashboard(options => …)</c>.
/// </summary>
public sealed class WorkflowsDashboardOptions
{
    public const string SectionName = "WorkflowsDashboard";
    public const string TraceIdPlaceholder = "{traceId}";

    /// <summary>
    /// Where a run's trace is shown, e.g. the Aspire dashboard's <c>http://localhost:18888/traces/detail/{traceId}</c>.
    /// Unset: the run page offers no trace link.
    /// </summary>
    public string? TraceUrlTemplate { get; set; }

    /// <summary>
    /// The authorization policy that reading needs. Unset: only requests from loopback, to a loopback host
    /// name, in the Development environment (see <see cref="Access.LocalDevelopmentRule"/>).
    /// </summary>
    public string? ViewPolicy { get; set; }

    /// <summary>The authorization policy that starting and cancelling need. Unset: the same local rule as viewing.</summary>
    public string? ActionPolicy { get; set; }

    /// <summary>Lets anyone who reaches the page read it; actions keep needing <see cref="ActionPolicy"/>.</summary>
    public bool OpenViewing { get; set; }

    /// <summary>
    /// A header the page sends with every request once the operator typed its value (kept for the browser
    /// tab only), for a policy that authenticates by header, such as an API key. Unset: no such field.
    /// </summary>
    public string? CredentialHeader { get; set; }

    /// <summary>The form the page shows to start a run, and what handles it; unset: no start button.</summary>
    public DashboardStartForm? StartForm { get; set; }

    /// <summary>
    /// How many steps a workflow will take, told from its name and input, for progress bars; null when
    /// unknown, and then progress counts finished workflows instead.
    /// </summary>
    public Func<string, JsonElement, int?>? StepsTotal { get; set; }
}

/// <summary>
/// The page's start form: integer fields, each sent as a JSON property (a dotted name nests: <c>stepDelayMs.min</c>),
/// posted to <see cref="StartAsync"/>, whose answer (a 202 with <c>runId</c>, or 400 validation problem details
/// keyed by the same field names) the page shows as it comes.
/// </summary>
public sealed record DashboardStartForm(string Title, IReadOnlyList<StartField> Fields, Func<HttpContext, Task<IResult>> StartAsync);

/// <param name="Default">Filled in when the page opens; null leaves the field empty, and an empty field is not sent.</param>
public sealed record StartField(string Name, string Label, int? Default = null, string? Hint = null);
