using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Exp22.Workflows.Dashboard;

/// <summary>The problems of one request's query, by parameter name, answered as 400 validation problem details.</summary>
internal sealed class QueryErrors
{
    private readonly Dictionary<string, string[]> _byField = new(StringComparer.Ordinal);

    public bool Any => _byField.Count > 0;

    public IResult ToProblem() => Results.ValidationProblem(_byField);

    public void Add(string field, string message) =>
        _byField[field] = _byField.TryGetValue(field, out var earlier) ? [.. earlier, message] : [message];

    public int Integer(string? text, string field, int min, int max, int fallback)
    {
        if (string.IsNullOrEmpty(text))
            return fallback;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        Add(field, $"{field} must be an integer between {min} and {max}; got '{Shown(text)}'.");
        return fallback;
    }

    public DateTimeOffset? Time(string? text, string field)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            return value;
        Add(field, $"{field} must be an ISO 8601 time such as 2026-11-24T10:00:00Z; got '{Shown(text)}'.");
        return null;
    }

    public string? Status(string? text, string field)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        var status = text.ToUpperInvariant();
        if (WorkflowStatus.All.Contains(status))
            return status;
        Add(field, $"{field} must be one of {string.Join(", ", WorkflowStatus.All)} (any case); got '{Shown(text)}'.");
        return null;
    }

    public Guid? Id(string text, string field)
    {
        if (Guid.TryParse(text, out var id))
            return id;
        Add(field, $"{field} must be a run id (a UUID); got '{Shown(text)}'.");
        return null;
    }

    // Echoed input is cut short: a query string may be long.
    private static string Shown(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
