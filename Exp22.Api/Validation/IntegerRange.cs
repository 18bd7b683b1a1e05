namespace Exp22.Api.Validation;

/// <summary>An inclusive range of accepted integers, described the same way in every message.</summary>
public readonly record struct IntegerRange(int Min, int Max)
{
    public bool Contains(int value) => value >= Min && value <= Max;

    public string Description => $"an integer between {Min} and {Max}";

    public string Rule(string field) => $"{field} must be {Description}";
}
