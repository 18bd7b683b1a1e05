using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Dashboard.Runs;

/// <summary>
/// <c>POST api/runs</c>: the page's start form, handed to the host's <see cref="DashboardStartForm.StartAsync"/>,
/// whose answer (validation problems included) goes back to the page unchanged.
/// </summary>
internal static class StartRunEndpoint
{
    public static void Map(IEndpointRouteBuilder actions) => actions.MapPost("/runs", StartAsync);

    private static async Task<IResult> StartAsync(HttpContext http, IOptions<WorkflowsDashboardOptions> options) =>
        options.Value.StartForm is { } form
            ? await form.StartAsync(http).ConfigureAwait(false)
            : Results.Problem(
                title: "No start form",
                detail: "This host's dashboard starts no runs (WorkflowsDashboardOptions.StartForm is not set).",
                statusCode: StatusCodes.Status404NotFound);
}
