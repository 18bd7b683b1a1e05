using System.Globalization;
using System.Text.Json.Nodes;
using Exp22.Api.Runs;
using Exp22.Api.Validation;
using Exp22.Workflows;
using Microsoft.OpenApi;

namespace Exp22.Api.OpenApi;

/// <summary>
/// The endpoints read their query values, path ids and headers as raw strings (so that a bad value gets
/// a message naming it). These conventions tell the OpenAPI document what those strings really are.
/// </summary>
public static class OpenApiDescriptions
{
    public static RouteHandlerBuilder WithIntegerQuery(
        this RouteHandlerBuilder builder, string name, IntegerRange range, int defaultValue, string description) =>
        builder.DescribeParameter(name, ParameterLocation.Query, $"{description} {Capitalized(range.Description)}; default {defaultValue}.",
            () => new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int32",
                Minimum = range.Min.ToString(CultureInfo.InvariantCulture),
                Maximum = range.Max.ToString(CultureInfo.InvariantCulture),
                Default = JsonValue.Create(defaultValue),
            });

    public static RouteHandlerBuilder WithStatusQuery(this RouteHandlerBuilder builder, string name, string description) =>
        builder.DescribeParameter(name, ParameterLocation.Query, description,
            () => new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [.. WorkflowStatus.All.Select(status => (JsonNode)JsonValue.Create(status))],
            });

    /// <summary>A JSON body of <typeparamref name="TBody"/>, and the 413 and 415 answers to a body too large or not JSON.</summary>
    public static RouteHandlerBuilder AcceptsJson<TBody>(this RouteHandlerBuilder builder)
        where TBody : notnull =>
        builder.Accepts<TBody>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    public static RouteHandlerBuilder WithRunIdPath(this RouteHandlerBuilder builder) =>
        builder.DescribeParameter(RunIds.Field, ParameterLocation.Path, "The run id (a GUID); anything else is a 400.",
            () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" });

    public static RouteHandlerBuilder WithRunKeyPath(this RouteHandlerBuilder builder, string name, string description) =>
        builder.DescribeParameter(name, ParameterLocation.Path, description,
            () => new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = RunLimits.MaxTopicLength, Pattern = RunKeys.Pattern });

    public static RouteHandlerBuilder WithIdempotencyKeyHeader(this RouteHandlerBuilder builder) =>
        builder.WithIdempotencyKeyHeader($"1-{RunLimits.MaxIdempotencyKeyLength} printable ASCII characters. A request with a key already used answers that run " +
            $"(202, with {IdempotencyKeys.ReplayedHeader}: true) instead of starting another.");

    public static RouteHandlerBuilder WithIdempotencyKeyHeader(this RouteHandlerBuilder builder, string description) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyKeys.Header,
                In = ParameterLocation.Header,
                Required = false,
                Description = description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = RunLimits.MaxIdempotencyKeyLength },
            });
            return Task.CompletedTask;
        });

    private static RouteHandlerBuilder DescribeParameter(
        this RouteHandlerBuilder builder, string name, ParameterLocation location, string description, Func<OpenApiSchema> schema) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            var parameter = operation.Parameters?.OfType<OpenApiParameter>()
                .FirstOrDefault(p => p.Name == name && p.In == location);
            if (parameter is not null)
            {
                parameter.Description = description;
                parameter.Schema = schema();
            }

            return Task.CompletedTask;
        });

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
