using Exp22.Api.Runs;

namespace Exp22.Api.Validation;

/// <summary>A message topic or an event key in a path: 1-100 letters, digits, '.', '_', ':' or '-'.</summary>
public static class RunKeys
{
    public const string TopicField = "topic";
    public const string EventKeyField = "key";
    public const string Pattern = KeyCharacters.Pattern;

    public static string? Read(string raw, string field, FieldErrors errors)
    {
        if (raw.Length is > 0 and <= RunLimits.MaxTopicLength && KeyCharacters.AreAllowed(raw))
            return raw;
        errors.Add(field, $"{field} must be 1 to {RunLimits.MaxTopicLength} letters, digits, '.', '_', ':' or '-'; got {Shown.Text(raw)}.");
        return null;
    }
}
