using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Exp22.Tests.Kubernetes;

/// <summary>
/// The inequalities of docs/kubernetes.md, checked against the manifests and the apps' appsettings.json.
/// Each check adds a line to <see cref="Figures"/> and, when it does not hold, to <see cref="Violations"/>.
/// </summary>
public sealed class TimingBudget
{
    // ShutdownBudget.Margin in Exp22.ServiceDefaults: the apps refuse a shutdown timeout without it.
    private static readonly TimeSpan AppMargin = TimeSpan.FromSeconds(2);

    private readonly List<string> _figures = [];
    private readonly List<string> _violations = [];

    public IReadOnlyList<string> Figures => _figures;

    public IReadOnlyList<string> Violations => _violations;

    public static TimingBudget Check(Manifests manifests, string apiAppSettings, string executorAppSettings)
    {
        var budget = new TimingBudget();
        var api = DeployedService.Of(manifests, "exp22-api", apiAppSettings);
        var executor = DeployedService.Of(manifests, "exp22-executor", executorAppSettings);
        budget.CheckApi(manifests, api);
        budget.CheckExecutor(executor);
        foreach (var service in new[] { api, executor })
            budget.CheckCommon(manifests, service);
        return budget;
    }

    private void CheckApi(Manifests manifests, DeployedService api)
    {
        var drainDelay = api.Duration("Shutdown:DrainDelay");
        var requestDrain = api.Duration("Shutdown:RequestDrainTimeout");
        var shutdown = api.Duration("HostOptions:ShutdownTimeout");

        Require(shutdown > drainDelay + requestDrain + AppMargin,
            $"api: HostOptions:ShutdownTimeout {S(shutdown)} > Shutdown:DrainDelay {S(drainDelay)} + Shutdown:RequestDrainTimeout {S(requestDrain)} + margin {S(AppMargin)}");
        Require(api.GracePeriod > shutdown,
            $"api: terminationGracePeriodSeconds {S(api.GracePeriod)} > HostOptions:ShutdownTimeout {S(shutdown)}");

        var readiness = Yaml.Node(api.Container, "readinessProbe");
        var endpointRemoval = TimeSpan.FromSeconds((Yaml.WholeNumber(readiness, "periodSeconds") ?? 10) * (Yaml.WholeNumber(readiness, "failureThreshold") ?? 3));
        Require(endpointRemoval <= drainDelay,
            $"api: readiness periodSeconds x failureThreshold {S(endpointRemoval)} <= Shutdown:DrainDelay {S(drainDelay)} (the Service drops the pod while it still serves)");

        var ingress = manifests.Find("Ingress", "exp22-api");
        var annotations = Yaml.Map(ingress, "metadata", "annotations");
        var interval = Seconds(annotations, "alb.ingress.kubernetes.io/healthcheck-interval-seconds", 15);
        var timeout = Seconds(annotations, "alb.ingress.kubernetes.io/healthcheck-timeout-seconds", 5);
        var unhealthy = (int)Seconds(annotations, "alb.ingress.kubernetes.io/unhealthy-threshold-count", 2).TotalSeconds;
        var deregistration = interval * unhealthy + timeout;
        Require(deregistration <= drainDelay,
            $"ALB: health check interval {S(interval)} x unhealthy threshold {unhealthy} + timeout {S(timeout)} = {S(deregistration)} <= Shutdown:DrainDelay {S(drainDelay)}");

        var deregistrationDelay = DeregistrationDelay(annotations);
        Require(deregistrationDelay >= drainDelay + requestDrain,
            $"ALB: deregistration_delay.timeout_seconds {S(deregistrationDelay)} >= Shutdown:DrainDelay {S(drainDelay)} + Shutdown:RequestDrainTimeout {S(requestDrain)}");
        Require(annotations.GetValueOrDefault("alb.ingress.kubernetes.io/healthcheck-path") == "/health/ready",
            "ALB: healthcheck-path is /health/ready");
        Require(Yaml.Items(ingress, "spec", "rules").Count > 0
                && Yaml.Items(ingress, "spec", "rules").SelectMany(r => Yaml.Items(r, "http", "paths"))
                    .All(p => Yaml.Text(p, "backend", "service", "name") == "exp22-api"),
            "ALB: every Ingress path goes to the exp22-api Service");

        var service = manifests.Find("Service", "exp22-api");
        Require(Yaml.Map(service, "spec", "selector").All(kv => Yaml.Map(api.Deployment, "spec", "template", "metadata", "labels").GetValueOrDefault(kv.Key) == kv.Value),
            "api: the Service selects the Deployment's pods");
    }

    private void CheckExecutor(DeployedService executor)
    {
        var completion = executor.Duration("Workflows:WorkflowCompletionTimeout");
        var handover = executor.Duration("Workflows:HandoverTimeout");
        var leave = executor.Duration("Workflows:LeaveTimeout");
        var drainDelay = executor.Duration("Shutdown:DrainDelay");
        var requestDrain = executor.Duration("Shutdown:RequestDrainTimeout");
        var shutdown = executor.Duration("HostOptions:ShutdownTimeout");

        Require(shutdown > completion + handover + leave + drainDelay + requestDrain + AppMargin,
            $"executor: HostOptions:ShutdownTimeout {S(shutdown)} > Workflows:WorkflowCompletionTimeout {S(completion)} + Workflows:HandoverTimeout {S(handover)} + Workflows:LeaveTimeout {S(leave)} + Shutdown:DrainDelay {S(drainDelay)} + Shutdown:RequestDrainTimeout {S(requestDrain)} + margin {S(AppMargin)}");
        Require(executor.GracePeriod > shutdown,
            $"executor: terminationGracePeriodSeconds {S(executor.GracePeriod)} > HostOptions:ShutdownTimeout {S(shutdown)}");
        Require(Yaml.Text(executor.Env("Workflows__ExecutorId"), "valueFrom", "fieldRef", "fieldPath") == "metadata.name",
            "executor: Workflows__ExecutorId is the pod's name (unique per process)");
    }

    private void CheckCommon(Manifests manifests, DeployedService service)
    {
        var name = service.Name;
        Require(Yaml.Text(service.Container, "readinessProbe", "httpGet", "path") == "/health/ready",
            $"{name}: readinessProbe on /health/ready");
        Require(Yaml.Text(service.Container, "livenessProbe", "httpGet", "path") == "/health/live",
            $"{name}: livenessProbe on /health/live (never the database)");
        Require(Yaml.Text(service.Env("ConnectionStrings__exp22db"), "valueFrom", "secretKeyRef", "name") is not null,
            $"{name}: ConnectionStrings__exp22db comes from a Secret");

        var port = Yaml.Items(service.Container, "ports").Select(p => Yaml.WholeNumber(p, "containerPort")).SingleOrDefault();
        var urls = service.Setting("ASPNETCORE_URLS");
        Require(port is not null && urls.EndsWith($":{port}", StringComparison.Ordinal),
            $"{name}: containerPort {port} is the port of ASPNETCORE_URLS {urls}");

        var labels = Yaml.Map(service.Deployment, "spec", "template", "metadata", "labels");
        var budgets = manifests.OfKind("PodDisruptionBudget")
            .Where(pdb => Yaml.Map(pdb, "spec", "selector", "matchLabels") is { Count: > 0 } match
                          && match.All(kv => labels.GetValueOrDefault(kv.Key) == kv.Value))
            .ToList();
        var replicas = Yaml.WholeNumber(service.Deployment, "spec", "replicas") ?? 1;
        Require(budgets.Count == 1 && replicas >= 2 && AllowsOneDisruption(budgets[0], replicas),
            $"{name}: one PodDisruptionBudget selects its pods and lets one of its {replicas} replicas go at a time");
    }

    private static bool AllowsOneDisruption(YamlMappingNode pdb, int replicas) =>
        Yaml.WholeNumber(pdb, "spec", "minAvailable") is { } min ? min >= 1 && min < replicas
        : Yaml.WholeNumber(pdb, "spec", "maxUnavailable") is { } max && max >= 1 && max < replicas;

    private static TimeSpan DeregistrationDelay(IReadOnlyDictionary<string, string> annotations)
    {
        const string Attribute = "deregistration_delay.timeout_seconds=";
        var attributes = annotations.GetValueOrDefault("alb.ingress.kubernetes.io/target-group-attributes") ?? "";
        var value = attributes.Split(',').Select(a => a.Trim()).FirstOrDefault(a => a.StartsWith(Attribute, StringComparison.Ordinal));
        // The ALB's default when the attribute is not set.
        return TimeSpan.FromSeconds(value is null ? 300 : int.Parse(value[Attribute.Length..], CultureInfo.InvariantCulture));
    }

    private static TimeSpan Seconds(IReadOnlyDictionary<string, string> annotations, string key, int albDefault) =>
        TimeSpan.FromSeconds(annotations.TryGetValue(key, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : albDefault);

    private static string S(TimeSpan duration) => $"{duration.TotalSeconds:0.#} s";

    private void Require(bool holds, string statement)
    {
        _figures.Add($"{(holds ? "ok  " : "FAIL")} {statement}");
        if (!holds)
            _violations.Add(statement);
    }
}
