using Exp22.Harness.Postgres;

namespace Exp22.AppHost.Postgres;

/// <summary>
/// A PostgreSQL server started from this machine's binaries by the orchestrator (an executable resource), for
/// machines without a container runtime. Its cluster is kept in <see cref="DataDirectory"/>; it listens on
/// 127.0.0.1 only, on a port the orchestrator allocates, and trusts loopback logins.
/// </summary>
public sealed class LocalPostgresServerResource(string name, string command, string dataDirectory)
    : ExecutableResource(name, command, workingDirectory: "/"), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    private EndpointReference? _endpoint;

    public string DataDirectory { get; } = dataDirectory;

    /// <summary>The superuser initdb created.</summary>
    public string User { get; } = new PostgresServerOptions().User;

    public EndpointReference PrimaryEndpoint => _endpoint ??= new EndpointReference(this, EndpointName);

    /// <summary>The databases created on the server once it accepts connections, by resource name.</summary>
    internal Dictionary<string, LocalPostgresDatabaseResource> Databases { get; } = [];

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PostgresCluster.ListenAddress};Port={PrimaryEndpoint.Property(EndpointProperty.TargetPort)};Username={User}");
}

/// <summary>A database on a <see cref="LocalPostgresServerResource"/>, created when the server is ready.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    public LocalPostgresServerResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
