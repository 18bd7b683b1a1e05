using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Exp22.Tests.Kubernetes;

/// <summary>The YAML documents of deploy/kubernetes, found by kind and name.</summary>
public sealed class Manifests(IReadOnlyList<YamlMappingNode> documents)
{
    public const string Folder = "deploy/kubernetes";

    public IReadOnlyList<YamlMappingNode> Documents => documents;

    /// <param name="edit">Changes a file's text before it is parsed (tests of the checks themselves).</param>
    public static Manifests Load(string folder, Func<string, string>? edit = null)
    {
        var documents = new List<YamlMappingNode>();
        foreach (var file in Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            var stream = new YamlStream();
            stream.Load(new StringReader(edit is null ? text : edit(text)));
            documents.AddRange(stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>());
        }

        return new Manifests(documents);
    }

    public YamlMappingNode Find(string kind, string name) =>
        documents.SingleOrDefault(d => Yaml.Text(d, "kind") == kind && Yaml.Text(d, "metadata", "name") == name)
        ?? throw new InvalidOperationException($"{Folder} has no {kind} named {name}.");

    public IEnumerable<YamlMappingNode> OfKind(string kind) => documents.Where(d => Yaml.Text(d, "kind") == kind);
}

/// <summary>Paths into a parsed YAML mapping; a missing step answers null.</summary>
public static class Yaml
{
    public static YamlNode? Node(YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out node))
                return null;
        }

        return node;
    }

    public static string? Text(YamlNode? node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    public static int? WholeNumber(YamlNode? node, params string[] path) =>
        Text(node, path) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    public static IReadOnlyList<YamlMappingNode> Items(YamlNode? node, params string[] path) =>
        Node(node, path) is YamlSequenceNode sequence ? [.. sequence.Children.OfType<YamlMappingNode>()] : [];

    public static IReadOnlyDictionary<string, string> Map(YamlNode? node, params string[] path) =>
        Node(node, path) is YamlMappingNode mapping
            ? mapping.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (c.Value as YamlScalarNode)?.Value ?? "")
            : new Dictionary<string, string>();
}
