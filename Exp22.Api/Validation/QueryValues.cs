using System.Globalization;
using Exp22.Workflows;

namespace Exp22.Api.Validation;

/// <summary>
/// Query values arrive as raw strings and are parsed here, because minimal APIs' own binding of an
/// <c>int</c> answers a bare 400 that names neither the parameter nor its range. An absent or empty
/// value takes the default.
/// </summary>
public static class QueryValues
{
    public static int WholeNumber(string? raw, string field, IntegerRange range, int defaultValue, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return defaultValue;

        // Overflow ("99999999999") fails TryParse and gets the same message as any other bad value.
        if (int.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            && range.Contains(value))
        {
            return value;
        }

        errors.Add(field, $"{range.Rule(field)}; got {Shown.Text(raw)}.");
        return defaultValue;
    }

    /// <returns>The status as stored (upper case), or null for no filter.</returns>
    public static string? Status(string? raw, string field, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return null;

        var status = WorkflowStatus.All.FirstOrDefault(s => s.Equals(raw.Trim(), StringComparison.OrdinalIgnoreCase));
        if (status is null)
            errors.Add(field, $"{field} must be one of {string.Join(", ", WorkflowStatus.All)}; got {Shown.Text(raw)}.");
        return status;
    }
}
