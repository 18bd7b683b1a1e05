namespace Exp22.Workflows.Monitoring;

/// <summary>
/// The first hex digits of an id (dashes optional), as the range of uuids that start with them: a search
/// by prefix is then a range scan of the primary key rather than a text match over every row.
/// </summary>
public sealed record UuidPrefix(string Digits, Guid Low, Guid High)
{
    public const int MaxDigits = 32;

    public static bool TryParse(string? text, out UuidPrefix prefix)
    {
        prefix = null!;
        var digits = (text ?? "").Trim().Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        if (digits.Length is 0 or > MaxDigits || !digits.All(Uri.IsHexDigit))
            return false;

        prefix = new UuidPrefix(
            digits,
            Guid.ParseExact(digits.PadRight(MaxDigits, '0'), "N"),
            Guid.ParseExact(digits.PadRight(MaxDigits, 'f'), "N"));
        return true;
    }

    public override string ToString() => Digits;
}
