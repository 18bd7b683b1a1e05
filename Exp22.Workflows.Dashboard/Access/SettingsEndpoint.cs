using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Dashboard.Access;

/// <summary>
/// <c>GET api/settings</c>, open to every caller: what the page offers (start form, trace links, a credential
/// field) and whether this request may read and act, so that the page asks for a credential or says why not
/// instead of failing request after request. It reveals nothing the policies guard.
/// </summary>
internal static class SettingsEndpoint
{
    public static void Map(IEndpointRouteBuilder api) => api.MapGet("/settings", GetAsync);

    private static async Task<IResult> GetAsync(HttpContext http, DashboardAccess access, IOptions<WorkflowsDashboardOptions> options)
    {
        var settings = options.Value;
        var view = await access.DecideAsync(http, DashboardOperation.View).ConfigureAwait(false);
        var act = await access.DecideAsync(http, DashboardOperation.Act).ConfigureAwait(false);
        return Results.Ok(new SettingsResponse(
            settings.StartForm is { } form ? new StartFormResponse(form.Title, form.Fields) : null,
            settings.TraceUrlTemplate is not null,
            settings.CredentialHeader,
            view,
            act));
    }

    private sealed record SettingsResponse(
        StartFormResponse? StartForm, bool TraceLinks, string? CredentialHeader, AccessDecision View, AccessDecision Act);

    private sealed record StartFormResponse(string Title, IReadOnlyList<StartField> Fields);
}
