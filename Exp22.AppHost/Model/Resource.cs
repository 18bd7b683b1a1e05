namespace Exp22.AppHost.Model;

/// <summary>Something the app model starts and supervises, named as the dashboard and the tests know it.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    /// <summary>Resources that must be running (and healthy) before this one starts; they stop after it.</summary>
    public List<Resource> WaitsFor { get; } = [];
}

/// <summary>A PostgreSQL server: private (this process starts it) unless <c>ConnectionStrings:{database}</c> names an external one.</summary>
public sealed class PostgresServerResource(string name) : Resource(name)
{
    /// <summary>Where a private cluster keeps its data between runs; null keeps it in a throwaway folder.</summary>
    public string? DataDirectory { get; set; }

    public List<PostgresDatabaseResource> Databases { get; } = [];
}

/// <summary>A database on a <see cref="PostgresServerResource"/>, created when missing; what projects reference.</summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource server) : Resource(name)
{
    public PostgresServerResource Server { get; } = server;
}

/// <summary>One of the solution's projects, run from its build output with <c>dotnet &lt;dll&gt;</c>, possibly as several replicas.</summary>
public sealed class ProjectResource(string name, string projectName) : Resource(name)
{
    /// <summary>The project's folder and assembly name, e.g. <c>Exp22.Api</c>.</summary>
    public string ProjectName { get; } = projectName;

    /// <summary>Null: no HTTP endpoint. 0: a free port per replica. Otherwise the port (replica n gets port + n - 1).</summary>
    public int? HttpPort { get; set; }

    /// <summary>The readiness path probed over HTTP; null: healthy while running.</summary>
    public string? HealthCheckPath { get; set; }

    public int Replicas { get; set; } = 1;

    /// <summary>How long a stopped replica may take after SIGTERM before it is killed.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(10);

    public List<PostgresDatabaseResource> References { get; } = [];

    /// <summary>Extra environment, computed per replica.</summary>
    public List<(string Name, Func<ReplicaContext, string> Value)> Environment { get; } = [];
}

/// <summary>What an environment value may depend on: which replica it is for.</summary>
/// <param name="Name">The replica's resource name: <c>executor-1</c>, or the project's name when it has one replica.</param>
/// <param name="Index">1-based.</param>
public sealed record ReplicaContext(string Name, int Index);
