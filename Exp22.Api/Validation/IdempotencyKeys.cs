using Exp22.Api.Runs;

namespace Exp22.Api.Validation;

/// <summary>The optional <c>Idempotency-Key</c> header: 1-200 printable ASCII characters, given once.</summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>Set to <c>true</c> on a 202 whose run an earlier request with the same key created.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    private static readonly string Rule =
        $"{Header} must be 1 to {RunLimits.MaxIdempotencyKeyLength} printable ASCII characters (space to '~')";

    /// <returns>The key, or null when the request has none (or an invalid one, reported in <paramref name="errors"/>).</returns>
    public static string? Read(HttpRequest request, FieldErrors errors)
    {
        var values = request.Headers[Header];
        if (values.Count == 0)
            return null;
        if (values.Count > 1)
        {
            errors.Add(Header, $"{Header} must be given once; got {values.Count} values.");
            return null;
        }

        var key = values[0] ?? "";
        if (key.Length is 0 or > RunLimits.MaxIdempotencyKeyLength)
        {
            errors.Add(Header, $"{Rule}; got {key.Length} characters.");
            return null;
        }

        if (!key.All(c => c is >= ' ' and <= '~'))
        {
            errors.Add(Header, $"{Rule}; got a character outside that range.");
            return null;
        }

        return key;
    }
}
