namespace Exp22.AppHost.Links;

/// <summary>
/// The API's links in the dashboard (its OpenAPI document and the workflows dashboard page it serves), and the
/// Aspire dashboard's trace page handed to that page so a run links to its trace.
/// </summary>
internal static class ApiLinks
{
    public const string OpenApiPath = "/openapi/v1.json";
    public const string WorkflowsPath = "/workflows";

    /// <summary>The workflows dashboard's key for the trace link; <c>{traceId}</c> is its placeholder.</summary>
    public const string TraceUrlTemplateVariable = "WorkflowsDashboard__TraceUrlTemplate";

    /// <summary>The resource Aspire adds for its dashboard when the dashboard runs.</summary>
    private const string DashboardResourceName = "aspire-dashboard";

    private static readonly string[] DashboardEndpointNames = ["https", "http"];

    public static IResourceBuilder<ProjectResource> WithApiLinks(this IResourceBuilder<ProjectResource> api)
    {
        var http = api.GetEndpoint("http");
        return api
            .WithUrl(ReferenceExpression.Create($"{http}{OpenApiPath}"), "OpenAPI document")
            .WithUrl(ReferenceExpression.Create($"{http}{WorkflowsPath}"), "Workflows dashboard")
            .WithEnvironment(context =>
            {
                if (DashboardUrl(context.ExecutionContext.Services) is { } dashboard)
                    context.EnvironmentVariables[TraceUrlTemplateVariable] = $"{dashboard}/traces/detail/{{traceId}}";
            });
    }

    /// <summary>
    /// The dashboard's address as the orchestrator allocated it (ASPNETCORE_URLS of the AppHost's launch profile,
    /// or a random port under the testing builder); none when the dashboard is off.
    /// </summary>
    private static string? DashboardUrl(IServiceProvider services)
    {
        var model = services.GetRequiredService<DistributedApplicationModel>();
        if (model.Resources.FirstOrDefault(r => r.Name == DashboardResourceName) is not IResourceWithEndpoints dashboard)
            return null;
        var endpoint = DashboardEndpointNames.Select(name => dashboard.GetEndpoint(name)).FirstOrDefault(e => e.Exists);
        return endpoint?.Url.TrimEnd('/');
    }
}
