using System.ComponentModel.DataAnnotations;
using Exp22.AppHost.Orchestration;
using Exp22.Harness.Os;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Exp22.AppHost.Model;

/// <summary>Collects the app model (Aspire's <c>IDistributedApplicationBuilder</c> in spirit) and builds the running application.</summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    private DistributedApplicationBuilder(string[] args)
    {
        Web = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        Settings = ReadSettings(Web.Configuration);
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(args);

    public IConfiguration Configuration => Web.Configuration;

    public IReadOnlyList<Resource> Resources => _resources;

    public AppHostSettings Settings { get; }

    /// <summary>The dashboard's web host, for features that add endpoints to it (telemetry).</summary>
    public WebApplicationBuilder Web { get; }

    public ResourceBuilder<T> Add<T>(T resource) where T : Resource
    {
        if (_resources.Any(r => r.Name == resource.Name))
            throw new ArgumentException($"The app model already has a resource named '{resource.Name}'.", nameof(resource));
        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public ResourceBuilder<PostgresServerResource> AddPostgres(string name) => Add(new PostgresServerResource(name));

    /// <param name="projectName">The project's folder and assembly name beside Exp22.sln.</param>
    public ResourceBuilder<ProjectResource> AddProject(string name, string projectName) => Add(new ProjectResource(name, projectName));

    public ResourceBuilder<DashboardResource> AddDashboard(int port) => Add(new DashboardResource("dashboard", port));

    public DistributedApplication Build() => new ApplicationAssembly(this).Assemble();

    private static AppHostSettings ReadSettings(IConfiguration configuration)
    {
        var settings = configuration.GetSection(AppHostSettings.SectionName).Get<AppHostSettings>() ?? new AppHostSettings();
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), errors, validateAllProperties: true))
        {
            throw new OptionsException(string.Join("; ", errors.Select(e =>
                $"{AppHostSettings.SectionName}:{string.Join(",", e.MemberNames)}: {e.ErrorMessage}")));
        }

        return settings;
    }

    /// <summary>Turns the model into supervised instances, their environment and the dashboard's web host.</summary>
    private sealed class ApplicationAssembly(DistributedApplicationBuilder builder)
    {
        private readonly Dictionary<Resource, List<ResourceInstance>> _instances = [];
        private readonly ResourceNotificationService _notifications = new();
        private readonly TimeProvider _time = TimeProvider.System;

        public DistributedApplication Assemble()
        {
            var settings = builder.Settings;
            var outputs = new ProjectOutputs();
            var dataRoot = settings.DataDirectory ?? Path.Combine(outputs.SolutionDirectory, ".data");
            var dashboard = builder._resources.OfType<DashboardResource>().SingleOrDefault();
            var dashboardPort = dashboard is null ? (int?)null : settings.RandomPorts ? FreePort.Pick() : dashboard.Port;
            var reaper = new ChildReaper();

            foreach (var resource in builder._resources)
            {
                _instances[resource] = resource switch
                {
                    PostgresServerResource server => [Server(server, settings.TemporaryData ? null : Path.Combine(dataRoot, server.Name))],
                    PostgresDatabaseResource database => [new PostgresDatabaseInstance(database.Name, Server(database.Server), _notifications, _time)],
                    ProjectResource project => Replicas(project, outputs, reaper, dashboardPort).ToList<ResourceInstance>(),
                    _ => [],
                };
            }

            foreach (var (resource, instances) in _instances)
            foreach (var instance in instances)
            foreach (var dependency in resource.WaitsFor.SelectMany(d => _instances[d]))
            {
                if (!instance.Dependencies.Contains(dependency))
                    instance.Dependencies.Add(dependency);
            }

            var ordered = builder._resources.SelectMany(r => _instances[r]).ToList();
            return new DistributedApplication(builder.Web, new Orchestrator(ordered), _notifications, reaper, settings,
                dashboard, dashboardPort, ReplicasOf);
        }

        private IReadOnlyList<ProjectReplica> ReplicasOf(ProjectResource project) =>
            _instances.TryGetValue(project, out var instances) ? instances.OfType<ProjectReplica>().ToList() : [];

        private PostgresServerInstance Server(PostgresServerResource server, string? dataDirectory = null)
        {
            if (_instances.TryGetValue(server, out var existing))
                return (PostgresServerInstance)existing[0];
            // An external server is named by its database's connection string, as the projects read it.
            var external = server.Databases
                .Select(d => builder.Configuration.GetConnectionString(d.Name))
                .FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));
            var settings = new PostgresInstanceSettings(server.Name, dataDirectory, external, new Dictionary<string, string>());
            return new PostgresServerInstance(settings, _notifications, _time);
        }

        private IEnumerable<ProjectReplica> Replicas(ProjectResource project, ProjectOutputs outputs, ChildReaper reaper, int? dashboardPort)
        {
            for (var index = 1; index <= project.Replicas; index++)
            {
                var context = new ReplicaContext(project.Replicas == 1 ? project.Name : $"{project.Name}-{index}", index);
                var endpoint = project.HttpPort switch
                {
                    null => null,
                    0 => new Uri($"http://127.0.0.1:{FreePort.Pick()}"),
                    _ when builder.Settings.RandomPorts => new Uri($"http://127.0.0.1:{FreePort.Pick()}"),
                    var port => new Uri($"http://localhost:{port + index - 1}"),
                };
                var picked = endpoint is not null && (project.HttpPort == 0 || builder.Settings.RandomPorts);
                var settings = new ProjectReplicaSettings(context.Name, project.Name, project.ProjectName, endpoint, picked, project.HealthCheckPath,
                    project.StopGrace, (current, _) => Task.FromResult(Environment(project, context, current, dashboardPort)));
                yield return new ProjectReplica(settings, outputs, reaper, _notifications, _time);
            }
        }

        /// <summary>Aspire's names, so the projects would run unchanged under a real Aspire AppHost.</summary>
        private IReadOnlyDictionary<string, string> Environment(ProjectResource project, ReplicaContext replica, Uri? endpoint, int? dashboardPort)
        {
            var environment = new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = builder.Web.Environment.EnvironmentName,
                ["ASPNETCORE_ENVIRONMENT"] = builder.Web.Environment.EnvironmentName,
                ["OTEL_SERVICE_NAME"] = project.Name,
                ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={replica.Name}",
            };
            if (endpoint is not null)
                environment["ASPNETCORE_URLS"] = endpoint.ToString().TrimEnd('/');
            if (dashboardPort is { } port)
            {
                environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}";
                environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
                // As Aspire does for its dashboard: export each second rather than the SDK's 5 s (spans,
                // logs) and 60 s (metrics), so the dashboard's views move while a run goes on.
                environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
                environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
                environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
            }

            foreach (var database in project.References)
            {
                var instance = (PostgresDatabaseInstance)_instances[database][0];
                environment[$"ConnectionStrings__{database.Name}"] = instance.ConnectionString;
            }

            foreach (var (name, value) in project.Environment)
                environment[name] = value(replica);
            return environment;
        }
    }
}

/// <summary>A bad setting: the message names the key.</summary>
public sealed class OptionsException(string message) : Exception(message);
