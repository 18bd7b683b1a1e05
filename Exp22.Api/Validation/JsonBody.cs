using System.Text.Json;
using System.Text.Unicode;
using Exp22.Api.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Validation;

/// <summary>
/// The hand-read JSON request bodies' common part: bounded, UTF-8, a JSON object, and integer fields
/// checked against their range, every problem reported under its field (<c>body</c> for the whole).
/// </summary>
public static class JsonBody
{
    public const string BodyField = "body";

    /// <summary>
    /// The 415 answer to a body that is not declared JSON, else null: routing refuses other media types
    /// with 415 itself but lets a body without any Content-Type through.
    /// </summary>
    public static ProblemHttpResult? ProblemUnlessJson(HttpRequest request) =>
        request.HasJsonContentType()
            ? null
            : TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                detail: "The body must be JSON: send it with Content-Type: application/json.");

    /// <returns>The parsed object (to dispose), or null when <paramref name="errors"/> says why not.</returns>
    public static async Task<JsonDocument?> ReadObjectAsync(
        HttpRequest request, string example, FieldErrors errors, CancellationToken cancellationToken)
    {
        var body = await ReadBoundedAsync(request.Body, cancellationToken);
        if (body.IsEmpty)
        {
            errors.Add(BodyField, $"A JSON object is required, such as {example}.");
            return null;
        }

        // JsonDocument does not check the UTF-8 inside strings until they are read (then it throws
        // InvalidOperationException, which would be a 500): check all of it first.
        if (!Utf8.IsValid(body.Span))
        {
            errors.Add(BodyField, $"The body is not valid UTF-8. Send a JSON object such as {example}.");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            errors.Add(BodyField, $"The body is not valid JSON ({e.Message}). Send a JSON object such as {example}.");
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            errors.Add(BodyField, $"The body must be a JSON object such as {example}; got {Shown.Json(document.RootElement)}.");
            document.Dispose();
            return null;
        }

        return document;
    }

    public static int? RequiredInteger(JsonElement parent, string name, string field, IntegerRange range, FieldErrors errors)
    {
        if (!TryGetProperty(parent, name, out var value))
        {
            errors.Add(field, $"{field} is required: {range.Description}.");
            return null;
        }

        // TryGetInt32 refuses 2.5, 1e2, strings and anything beyond int, so all of them get the range message.
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && range.Contains(number))
            return number;

        errors.Add(field, $"{range.Rule(field)}; got {Shown.Json(value)}.");
        return null;
    }

    // The last of duplicate properties wins, as in System.Text.Json deserialization.
    public static bool TryGetProperty(JsonElement obj, string name, out JsonElement value)
    {
        var found = false;
        value = default;
        foreach (var property in obj.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                found = true;
            }
        }

        return found;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[RunLimits.MaxRequestBodyBytes + 1];
        var length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
            if (length > RunLimits.MaxRequestBodyBytes)
            {
                throw new BadHttpRequestException(
                    $"The body must be at most {RunLimits.MaxRequestBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
        }

        // JsonDocument.Parse refuses a UTF-8 byte order mark; some clients send one.
        ReadOnlyMemory<byte> bytes = buffer.AsMemory(0, length);
        return bytes.Span.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
    }
}
