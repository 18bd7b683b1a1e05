using System.Buffers;

namespace Exp22.Api.Validation;

/// <summary>
/// The characters of a name the API takes from a client (a queue, a message topic, an event key):
/// letters, digits, '.', '_', ':' and '-'. A set, not a regular expression: one pass, nothing to time out.
/// </summary>
public static class KeyCharacters
{
    /// <summary>The same rule for the OpenAPI document.</summary>
    public const string Pattern = "^[A-Za-z0-9._:-]+$";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");

    public static bool AreAllowed(string value) => value.Length > 0 && !value.AsSpan().ContainsAnyExcept(Allowed);
}
