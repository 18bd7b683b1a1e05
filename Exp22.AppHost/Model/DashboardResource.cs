namespace Exp22.AppHost.Model;

/// <summary>The AppHost's own web page (served by this process, on loopback only).</summary>
public sealed class DashboardResource(string name, int port) : Resource(name)
{
    public int Port { get; } = port;

    /// <summary>The API whose runs the dashboard lists and starts.</summary>
    public ProjectResource? RunsApi { get; set; }

    /// <summary>The executors whose status path (their drain, their in-flight workflows) the dashboard follows.</summary>
    public (ProjectResource Resource, string Path)? DrainStatus { get; set; }
}

public static class DashboardBuilderExtensions
{
    public static ResourceBuilder<DashboardResource> ShowRunsFrom(this ResourceBuilder<DashboardResource> dashboard, ResourceBuilder<ProjectResource> api)
    {
        dashboard.Resource.RunsApi = api.Resource;
        return dashboard;
    }

    public static ResourceBuilder<DashboardResource> ShowDrainsFrom(
        this ResourceBuilder<DashboardResource> dashboard, ResourceBuilder<ProjectResource> executor, string statusPath)
    {
        dashboard.Resource.DrainStatus = (executor.Resource, statusPath);
        return dashboard;
    }
}
