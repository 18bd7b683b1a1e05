using System.Text.Json;

namespace Exp22.Tests.ApiContract;

/// <summary>One parameter of an operation, as the document declares it (schema with its $ref resolved).</summary>
internal sealed record DeclaredParameter(string Name, string In, bool Required, JsonElement Schema);

/// <summary>An API key the operation may require, and where it goes.</summary>
internal sealed record DeclaredApiKey(string Name, string In, bool Optional);

/// <summary>One operation (a path and a method) of the served OpenAPI document.</summary>
internal sealed record DeclaredOperation(
    string Method,
    string PathTemplate,
    string OperationId,
    IReadOnlyList<DeclaredParameter> Parameters,
    string? BodyMediaType,
    JsonElement? BodySchema,
    IReadOnlyList<DeclaredApiKey> ApiKeys,
    IReadOnlySet<string> Statuses)
{
    public override string ToString() => $"{Method} {PathTemplate}";
}

/// <summary>
/// Reads the operations of an OpenAPI 3.1 document, resolving local <c>$ref</c>s, so that tests can be
/// driven from what the API says about itself (new endpoints are covered as soon as they are documented).
/// </summary>
internal sealed class OpenApiOperations
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];
    private readonly JsonElement _root;

    public OpenApiOperations(JsonElement root) => _root = root;

    public IReadOnlyList<DeclaredOperation> All()
    {
        var operations = new List<DeclaredOperation>();
        foreach (var path in _root.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in Methods)
            {
                if (!path.Value.TryGetProperty(method, out var operation))
                    continue;
                var parameters = operation.TryGetProperty("parameters", out var list)
                    ? list.EnumerateArray().Select(Resolve).Select(p => new DeclaredParameter(
                        p.GetProperty("name").GetString()!,
                        p.GetProperty("in").GetString()!,
                        p.TryGetProperty("required", out var required) && required.GetBoolean(),
                        p.TryGetProperty("schema", out var schema) ? Resolve(schema) : default)).ToList()
                    : [];
                var (mediaType, bodySchema) = Body(operation);
                operations.Add(new DeclaredOperation(
                    method.ToUpperInvariant(), path.Name,
                    operation.TryGetProperty("operationId", out var id) ? id.GetString()! : $"{method} {path.Name}",
                    parameters, mediaType, bodySchema, ApiKeys(operation),
                    operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet()));
            }
        }

        return operations;
    }

    /// <summary>The schema itself, or the one its <c>$ref</c> points at.</summary>
    public JsonElement Resolve(JsonElement element)
    {
        while (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference))
        {
            var target = _root;
            foreach (var segment in reference.GetString()!.TrimStart('#', '/').Split('/'))
                target = target.GetProperty(segment.Replace("~1", "/").Replace("~0", "~"));
            element = target;
        }

        return element;
    }

    private (string? MediaType, JsonElement? Schema) Body(JsonElement operation)
    {
        if (!operation.TryGetProperty("requestBody", out var body))
            return (null, null);
        var content = Resolve(body).GetProperty("content").EnumerateObject().First();
        return (content.Name, content.Value.TryGetProperty("schema", out var schema) ? Resolve(schema) : null);
    }

    private List<DeclaredApiKey> ApiKeys(JsonElement operation)
    {
        if (!operation.TryGetProperty("security", out var security))
            return [];
        var requirements = security.EnumerateArray().ToList();
        var optional = requirements.Any(r => !r.EnumerateObject().Any());
        var schemes = _root.GetProperty("components").GetProperty("securitySchemes");
        return [.. requirements.SelectMany(r => r.EnumerateObject())
            .Select(r => Resolve(schemes.GetProperty(r.Name)))
            .Where(s => s.GetProperty("type").GetString() == "apiKey")
            .Select(s => new DeclaredApiKey(s.GetProperty("name").GetString()!, s.GetProperty("in").GetString()!, optional))];
    }
}
