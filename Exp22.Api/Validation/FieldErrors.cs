using Microsoft.AspNetCore.Http.HttpResults;

namespace Exp22.Api.Validation;

/// <summary>
/// The problems of one request by field name, collected so a client sees all of them at once and
/// answered as RFC 7807 validation problem details (400, <c>errors</c> keyed by field).
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _byField = new(StringComparer.Ordinal);

    public bool Any => _byField.Count > 0;

    public void Add(string field, string message)
    {
        if (!_byField.TryGetValue(field, out var messages))
            _byField[field] = messages = [];
        messages.Add(message);
    }

    /// <summary>The 400 answer; <c>detail</c> repeats the messages for clients that read only that.</summary>
    public ValidationProblem ToProblem() => TypedResults.ValidationProblem(
        _byField.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal),
        detail: string.Join(" ", _byField.Values.SelectMany(messages => messages)));
}
