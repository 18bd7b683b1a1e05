using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Exp22.Workflows.Dashboard.Access;

/// <summary>Refuses, with problem details, what <see cref="DashboardAccess"/> does not allow.</summary>
internal sealed class AccessFilter(DashboardOperation operation) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var access = http.RequestServices.GetRequiredService<DashboardAccess>();
        var decision = await access.DecideAsync(http, operation).ConfigureAwait(false);
        if (decision.Allowed)
            return await next(context).ConfigureAwait(false);
        return Results.Problem(
            title: decision.Status == StatusCodes.Status401Unauthorized ? "Authorization required" : "Not allowed",
            detail: decision.Detail,
            statusCode: decision.Status);
    }
}
