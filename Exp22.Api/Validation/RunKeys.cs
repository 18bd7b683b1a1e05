using System.Text.RegularExpressions;
using Exp22.Api.Runs;

namespace Exp22.Api.Validation;

/// <summary>A message topic or an event key in a path: 1-100 letters, digits, '.', '_', ':' or '-'.</summary>
public static partial class RunKeys
{
    public const string TopicField = "topic";
    public const string EventKeyField = "key";
    public const string Pattern = "^[A-Za-z0-9._:-]+$";

    public static string? Read(string raw, string field, FieldErrors errors)
    {
        if (raw.Length is > 0 and <= RunLimits.MaxTopicLength && Allowed().IsMatch(raw))
            return raw;
        errors.Add(field, $"{field} must be 1 to {RunLimits.MaxTopicLength} letters, digits, '.', '_', ':' or '-'; got {Shown.Text(raw)}.");
        return null;
    }

    [GeneratedRegex(@"\A[A-Za-z0-9._:-]+\z")]
    private static partial Regex Allowed();
}
