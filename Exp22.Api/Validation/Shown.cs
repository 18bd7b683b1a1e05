using System.Text.Json;

namespace Exp22.Api.Validation;

/// <summary>How a rejected value is quoted back in a message: short, so a huge input stays out of the answer.</summary>
internal static class Shown
{
    private const int MaxChars = 40;

    public static string Text(string value) =>
        value.Length <= MaxChars ? $"'{value}'" : $"'{value[..MaxChars]}...' ({value.Length} characters)";

    public static string Json(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string {Text(value.GetString()!)}",
        JsonValueKind.Number => Text(value.GetRawText()),
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "nothing",
    };
}
