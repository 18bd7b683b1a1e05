using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Exp22.Tests.ApiContract;

/// <summary>One request that breaks exactly one rule the document states; <see cref="Create"/> makes a fresh message each time.</summary>
internal sealed record BadInput(DeclaredOperation Operation, string What, Func<HttpRequestMessage> Create)
{
    public override string ToString() => $"{Operation}: {What}";
}

/// <summary>
/// Derives bad requests from an operation's declaration: a valid request (known run id in the path,
/// the admin key, a minimal valid body), then one thing broken at a time in the path, the query, the
/// headers, the key, the content type, the body's syntax and every property of its schema, plus the
/// methods the path does not declare. Values are ASCII where HTTP needs them to be; what Kestrel itself
/// refuses before the application sees it is covered by <see cref="BadInputSweepTests"/>'s raw cases.
/// </summary>
internal sealed class BadInputs(OpenApiOperations document, Guid knownRunId, string adminKey, int maxBodyBytes)
{
    private static readonly string[] UndeclaredMethodCandidates = ["GET", "POST", "PUT", "DELETE", "PATCH"];

    public IEnumerable<BadInput> For(DeclaredOperation operation, IEnumerable<string> methodsOfPath)
    {
        foreach (var parameter in operation.Parameters)
        {
            foreach (var (what, value) in InvalidText(parameter.Schema, parameter.In == "header"))
                yield return Case(operation, $"{parameter.In} {parameter.Name} = {Shown(value)} ({what})", p => p.Set(parameter, value));
            // Twice in a header is one value for HttpClient ("a, a"), which may well be valid: query only.
            if (parameter.In == "query")
                yield return Case(operation, $"query {parameter.Name} given twice", p => p.Twice(parameter, ValidText(parameter.Schema)));
        }

        foreach (var key in operation.ApiKeys.Where(k => !k.Optional && k.In == "header"))
        {
            yield return Case(operation, $"no {key.Name}", p => p.Headers.Remove(key.Name));
            yield return Case(operation, $"{key.Name} wrong", p => p.Headers[key.Name] = [adminKey + "-wrong"]);
            yield return Case(operation, $"{key.Name} empty", p => p.Headers[key.Name] = [""]);
            yield return Case(operation, $"{key.Name} given twice (one value \"k, k\")", p => p.Headers[key.Name] = [adminKey, adminKey]);
        }

        if (operation.BodySchema is { } schema)
        {
            foreach (var input in BodyCases(operation, schema))
                yield return input;
        }

        foreach (var method in UndeclaredMethodCandidates.Except(methodsOfPath))
            yield return Case(operation, $"method {method}, which the path does not declare", p => p.Method = method);
    }

    private IEnumerable<BadInput> BodyCases(DeclaredOperation operation, JsonElement schema)
    {
        var valid = ValidJson(schema)!.ToJsonString();
        yield return Case(operation, "body as text/plain", p => p.Body = Content(valid, "text/plain"));
        yield return Case(operation, "body without a content type", p => p.Body = Content(valid, null));
        yield return Case(operation, "body as application/xml", p => p.Body = Content("<run/>", "application/xml"));
        yield return Case(operation, "no body", p => p.Body = null);
        foreach (var (what, raw) in new (string, byte[])[]
                 {
                     ("empty", []),
                     ("truncated JSON", "{\"a\":"u8.ToArray()),
                     ("not JSON", "run please"u8.ToArray()),
                     ("JSON null", "null"u8.ToArray()),
                     ("a JSON array", "[]"u8.ToArray()),
                     ("a JSON string", "\"run\""u8.ToArray()),
                     ("a JSON number", "42"u8.ToArray()),
                     ("invalid UTF-8", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]),
                     ("nested 5,000 arrays deep", Encoding.ASCII.GetBytes(new string('[', 5000) + new string(']', 5000))),
                     ("a byte-order mark and garbage", [0xEF, 0xBB, 0xBF, 0x00, 0x01]),
                     ("trailing garbage after the object", Encoding.UTF8.GetBytes(valid + " }{")),
                 })
        {
            yield return Case(operation, $"body: {what}", p => p.Body = Content(raw, operation.BodyMediaType));
        }

        if (operation.Statuses.Contains("413"))
        {
            var padded = $"{{\"padding\":\"{new string('x', maxBodyBytes)}\"}}";
            yield return Case(operation, $"body over {maxBodyBytes} bytes", p => p.Body = Content(padded, operation.BodyMediaType));
        }

        foreach (var (path, what, value) in InvalidJson(schema, []))
        {
            var body = ValidJson(schema)!;
            Replace(body, path, value);
            var text = body.ToJsonString();
            yield return Case(operation, $"body {string.Join('.', path)}: {what}", p => p.Body = Content(text, operation.BodyMediaType));
        }
    }

    private BadInput Case(DeclaredOperation operation, string what, Action<RequestParts> breakIt) => new(operation, what, () =>
    {
        var parts = Valid(operation);
        breakIt(parts);
        return parts.ToMessage();
    });

    private RequestParts Valid(DeclaredOperation operation)
    {
        var parts = new RequestParts(operation.Method, operation.PathTemplate);
        foreach (var parameter in operation.Parameters.Where(p => p.Required || p.In == "path"))
            parts.Set(parameter, ValidText(parameter.Schema));
        foreach (var key in operation.ApiKeys.Where(k => k.In == "header"))
            parts.Headers[key.Name] = [adminKey];
        if (operation.BodySchema is { } schema)
            parts.Body = Content(ValidJson(schema)!.ToJsonString(), operation.BodyMediaType);
        return parts;
    }

    private string ValidText(JsonElement schema) => Type(schema) switch
    {
        "integer" or "number" => Minimum(schema)?.ToString(CultureInfo.InvariantCulture) ?? "1",
        "boolean" => "true",
        _ when schema.TryGetProperty("enum", out var values) => values[0].GetString()!,
        _ when Format(schema) == "uuid" => knownRunId.ToString(),
        _ => "x",
    };

    /// <summary>Values that break the schema of a query, path or header parameter, as text.</summary>
    private static List<(string What, string Value)> InvalidText(JsonElement schema, bool asciiOnly)
    {
        var values = new List<(string, string)>();
        switch (Type(schema))
        {
            case "integer":
                values.AddRange([("not a number", "abc"), ("a fraction", "1.5"), ("hexadecimal", "0x1F"), ("exponent", "1e3"),
                    ("beyond 64 bits", "99999999999999999999"), ("a sign alone", "-")]);
                if (Minimum(schema) is { } min)
                    values.Add(("below the minimum", (min - 1).ToString(CultureInfo.InvariantCulture)));
                if (Maximum(schema) is { } max)
                    values.Add(("above the maximum", (max + 1).ToString(CultureInfo.InvariantCulture)));
                if (!asciiOnly)
                    values.Add(("non-ASCII digits", "١٢"));
                break;
            case "number":
                values.AddRange([("not a number", "abc"), ("infinity", "Infinity")]);
                break;
            case "boolean":
                values.Add(("not a boolean", "maybe"));
                break;
            case "string":
                if (schema.TryGetProperty("enum", out _))
                    values.AddRange([("not one of the values", "NOT_A_VALUE"), ("SQL", "' OR 1=1 --")]);
                if (Format(schema) == "uuid")
                {
                    values.AddRange([("not a GUID", "not-a-guid"), ("digits", "12345"), ("a GUID cut short", Guid.NewGuid().ToString()[..30]),
                        ("an encoded slash", "a/b"), ("very long", new string('a', 4000))]);
                    values.Add(("an unknown GUID", Guid.NewGuid().ToString()));
                    if (!asciiOnly)
                        values.Add(("non-ASCII", "ünïcødé"));
                }

                if (schema.TryGetProperty("maxLength", out var maxLength))
                    values.Add(("longer than maxLength", new string('k', maxLength.GetInt32() + 1)));
                if (schema.TryGetProperty("minLength", out var minLength) && minLength.GetInt32() > 0 && asciiOnly)
                    values.Add(("shorter than minLength", ""));
                if (asciiOnly && schema.TryGetProperty("maxLength", out _))
                    values.Add(("a control character", "key\u0001"));
                break;
        }

        return values;
    }

    /// <summary>Valid JSON for a schema: required properties only, the smallest allowed numbers.</summary>
    private JsonNode? ValidJson(JsonElement schema)
    {
        schema = NonNullOption(schema);
        switch (Type(schema))
        {
            case "object":
                var node = new JsonObject();
                var required = schema.TryGetProperty("required", out var names)
                    ? names.EnumerateArray().Select(n => n.GetString()!).ToHashSet()
                    : [];
                if (schema.TryGetProperty("properties", out var properties))
                {
                    foreach (var property in properties.EnumerateObject().Where(p => required.Contains(p.Name)))
                        node[property.Name] = ValidJson(document.Resolve(property.Value));
                }

                return node;
            case "array":
                return new JsonArray();
            case "integer" or "number":
                return JsonValue.Create(Minimum(schema) ?? 1);
            case "boolean":
                return JsonValue.Create(true);
            default:
                return JsonValue.Create(ValidText(schema));
        }
    }

    /// <summary>(property path, what is wrong, the value) for every property of the schema, recursively.</summary>
    private IEnumerable<(string[] Path, string What, JsonNode? Value)> InvalidJson(JsonElement schema, string[] path)
    {
        var nullable = AllowsNull(schema);
        schema = NonNullOption(schema);
        if (path.Length > 0 && !nullable)
            yield return (path, "null", null);

        switch (Type(schema))
        {
            case "integer":
                yield return (path, "a string", JsonValue.Create("5"));
                yield return (path, "a fraction", JsonValue.Create(1.5));
                yield return (path, "beyond 64 bits", JsonNode.Parse("123456789012345678901234567890"));
                yield return (path, "a boolean", JsonValue.Create(true));
                yield return (path, "an object", new JsonObject());
                if (Minimum(schema) is { } min)
                    yield return (path, "below the minimum", JsonValue.Create(min - 1));
                if (Maximum(schema) is { } max)
                    yield return (path, "above the maximum", JsonValue.Create(max + 1));
                break;
            case "string":
                yield return (path, "a number", JsonValue.Create(12));
                if (schema.TryGetProperty("enum", out _))
                    yield return (path, "not one of the values", JsonValue.Create("NOT_A_VALUE"));
                if (schema.TryGetProperty("maxLength", out var maxLength))
                    yield return (path, "longer than maxLength", JsonValue.Create(new string('k', maxLength.GetInt32() + 1)));
                break;
            case "boolean":
                yield return (path, "a string", JsonValue.Create("true"));
                break;
            case "array":
                yield return (path, "an object", new JsonObject());
                break;
            case "object":
                if (path.Length > 0)
                {
                    yield return (path, "a number", JsonValue.Create(7));
                    yield return (path, "an array", new JsonArray());
                }

                if (!schema.TryGetProperty("properties", out var properties))
                    break;
                var required = schema.TryGetProperty("required", out var names)
                    ? names.EnumerateArray().Select(n => n.GetString()!).ToHashSet()
                    : [];
                foreach (var property in properties.EnumerateObject())
                {
                    string[] inner = [.. path, property.Name];
                    if (required.Contains(property.Name))
                        yield return (inner, "missing", Missing);
                    foreach (var invalid in InvalidJson(document.Resolve(property.Value), inner))
                        yield return invalid;
                }

                break;
        }
    }

    /// <summary>Marks a property to remove rather than to set.</summary>
    private static readonly JsonNode Missing = JsonValue.Create("\u0000missing")!;

    private static void Replace(JsonNode root, string[] path, JsonNode? value)
    {
        var parent = root;
        foreach (var segment in path[..^1])
        {
            parent[segment] ??= new JsonObject();
            parent = parent[segment]!;
        }

        if (ReferenceEquals(value, Missing))
            parent.AsObject().Remove(path[^1]);
        else
            parent[path[^1]] = value?.DeepClone();
    }

    private JsonElement NonNullOption(JsonElement schema)
    {
        schema = document.Resolve(schema);
        return schema.TryGetProperty("oneOf", out var options)
            ? document.Resolve(options.EnumerateArray().First(o => Type(document.Resolve(o)) != "null"))
            : schema;
    }

    private bool AllowsNull(JsonElement schema)
    {
        schema = document.Resolve(schema);
        if (schema.TryGetProperty("oneOf", out var options))
            return options.EnumerateArray().Any(o => Type(document.Resolve(o)) == "null");
        return schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array
            && type.EnumerateArray().Any(t => t.GetString() == "null");
    }

    private static string? Type(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
            return null;
        if (!schema.TryGetProperty("type", out var type))
            return schema.TryGetProperty("properties", out _) ? "object" : null;
        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null")
            : type.GetString();
    }

    private static string? Format(JsonElement schema) =>
        schema.TryGetProperty("format", out var format) ? format.GetString() : null;

    private static long? Minimum(JsonElement schema) => Bound(schema, "minimum");

    private static long? Maximum(JsonElement schema) => Bound(schema, "maximum");

    // ASP.NET Core writes bounds as numbers or as strings, depending on the version.
    private static long? Bound(JsonElement schema, string name) =>
        !schema.TryGetProperty(name, out var bound) ? null
        : bound.ValueKind == JsonValueKind.Number ? bound.GetInt64()
        : long.Parse(bound.GetString()!, CultureInfo.InvariantCulture);

    private static ByteArrayContent Content(string text, string? mediaType) => Content(Encoding.UTF8.GetBytes(text), mediaType);

    private static ByteArrayContent Content(byte[] bytes, string? mediaType)
    {
        var content = new ByteArrayContent(bytes);
        if (mediaType is not null)
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static string Shown(string value) => value.Length <= 40 ? $"'{value}'" : $"'{value[..20]}…' ({value.Length} chars)";

    /// <summary>A request being put together: path and query values, headers, body.</summary>
    private sealed class RequestParts(string method, string pathTemplate)
    {
        private readonly Dictionary<string, string> _path = [];
        private readonly List<(string Name, string Value)> _query = [];

        public string Method { get; set; } = method;

        public Dictionary<string, string[]> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

        public HttpContent? Body { get; set; }

        public void Set(DeclaredParameter parameter, string value)
        {
            switch (parameter.In)
            {
                case "path":
                    _path[parameter.Name] = value;
                    break;
                case "query":
                    _query.RemoveAll(q => q.Name == parameter.Name);
                    _query.Add((parameter.Name, value));
                    break;
                case "header":
                    Headers[parameter.Name] = [value];
                    break;
            }
        }

        public void Twice(DeclaredParameter parameter, string value)
        {
            _query.RemoveAll(q => q.Name == parameter.Name);
            _query.Add((parameter.Name, value));
            _query.Add((parameter.Name, value));
        }

        public HttpRequestMessage ToMessage()
        {
            var path = _path.Aggregate(pathTemplate, (p, v) => p.Replace($"{{{v.Key}}}", Uri.EscapeDataString(v.Value)));
            var query = string.Join('&', _query.Select(q => $"{Uri.EscapeDataString(q.Name)}={Uri.EscapeDataString(q.Value)}"));
            var message = new HttpRequestMessage(new HttpMethod(Method), query.Length == 0 ? path : $"{path}?{query}") { Content = Body };
            foreach (var (name, values) in Headers)
            {
                foreach (var value in values)
                    message.Headers.TryAddWithoutValidation(name, value);
            }

            return message;
        }
    }
}
