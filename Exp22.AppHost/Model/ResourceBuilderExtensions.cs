namespace Exp22.AppHost.Model;

/// <summary>The app model's vocabulary, named after Aspire's so that a real Aspire AppHost reads the same.</summary>
public static class ResourceBuilderExtensions
{
    public static ResourceBuilder<PostgresDatabaseResource> AddDatabase(this ResourceBuilder<PostgresServerResource> server, string name)
    {
        var database = new PostgresDatabaseResource(name, server.Resource);
        database.WaitsFor.Add(server.Resource);
        server.Resource.Databases.Add(database);
        return server.Application.Add(database);
    }

    /// <summary>Keeps a private cluster's data in <paramref name="directory"/> between runs.</summary>
    public static ResourceBuilder<PostgresServerResource> WithDataDirectory(this ResourceBuilder<PostgresServerResource> server, string directory)
    {
        server.Resource.DataDirectory = directory;
        return server;
    }

    /// <summary>Serves HTTP on <paramref name="port"/> (<c>ASPNETCORE_URLS</c>); no port, or a test run, picks free ones.</summary>
    public static ResourceBuilder<ProjectResource> WithHttpEndpoint(this ResourceBuilder<ProjectResource> project, int? port = null)
    {
        project.Resource.HttpPort = port ?? 0;
        return project;
    }

    public static ResourceBuilder<ProjectResource> WithHttpHealthCheck(this ResourceBuilder<ProjectResource> project, string path)
    {
        project.Resource.HealthCheckPath = path;
        return project;
    }

    /// <summary>Passes the database's connection string as <c>ConnectionStrings__{name}</c>.</summary>
    public static ResourceBuilder<ProjectResource> WithReference(this ResourceBuilder<ProjectResource> project, ResourceBuilder<PostgresDatabaseResource> database)
    {
        project.Resource.References.Add(database.Resource);
        return project;
    }

    public static ResourceBuilder<T> WaitFor<T, TDependency>(this ResourceBuilder<T> resource, ResourceBuilder<TDependency> dependency)
        where T : Resource where TDependency : Resource
    {
        resource.Resource.WaitsFor.Add(dependency.Resource);
        return resource;
    }

    public static ResourceBuilder<ProjectResource> WithReplicas(this ResourceBuilder<ProjectResource> project, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        project.Resource.Replicas = replicas;
        return project;
    }

    /// <summary>How long stop waits after SIGTERM before SIGKILL: give a draining service its full drain.</summary>
    public static ResourceBuilder<ProjectResource> WithStopGrace(this ResourceBuilder<ProjectResource> project, TimeSpan grace)
    {
        project.Resource.StopGrace = grace;
        return project;
    }

    public static ResourceBuilder<ProjectResource> WithEnvironment(this ResourceBuilder<ProjectResource> project, string name, string value) =>
        project.WithEnvironment(name, _ => value);

    public static ResourceBuilder<ProjectResource> WithEnvironment(
        this ResourceBuilder<ProjectResource> project, string name, Func<ReplicaContext, string> value)
    {
        project.Resource.Environment.Add((name, value));
        return project;
    }
}
