using System.Globalization;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Exp22.Tests.Kubernetes;

/// <summary>
/// One Deployment's only container, and the settings the process will run with: the container's env
/// (<c>A__B</c>) over the app's own appsettings.json (<c>A:B</c>), as .NET configuration resolves them.
/// </summary>
public sealed class DeployedService(YamlMappingNode deployment, JsonElement appSettings, string appSettingsFile)
{
    public YamlMappingNode Deployment => deployment;

    public YamlMappingNode PodSpec => (YamlMappingNode)Yaml.Node(deployment, "spec", "template", "spec")!;

    public YamlMappingNode Container => Yaml.Items(PodSpec, "containers").Single();

    public string Name => Yaml.Text(deployment, "metadata", "name")!;

    public static DeployedService Of(Manifests manifests, string deploymentName, string appSettingsPath) =>
        new(manifests.Find("Deployment", deploymentName),
            JsonDocument.Parse(File.ReadAllText(appSettingsPath)).RootElement.Clone(),
            appSettingsPath);

    public YamlMappingNode? Env(string name) =>
        Yaml.Items(Container, "env").SingleOrDefault(e => Yaml.Text(e, "name") == name);

    /// <summary>The value of a configuration key such as <c>Shutdown:DrainDelay</c>.</summary>
    public string Setting(string key)
    {
        if (Yaml.Text(Env(key.Replace(":", "__", StringComparison.Ordinal)), "value") is { } fromEnv)
            return fromEnv;

        var node = appSettings;
        foreach (var part in key.Split(':'))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node))
                throw new InvalidOperationException($"{key} is set neither in the {Name} container's env nor in {appSettingsFile}.");
        }

        return node.GetString()!;
    }

    public TimeSpan Duration(string key) => TimeSpan.Parse(Setting(key), CultureInfo.InvariantCulture);

    public TimeSpan GracePeriod => TimeSpan.FromSeconds(Yaml.WholeNumber(PodSpec, "terminationGracePeriodSeconds") ?? 30);
}
