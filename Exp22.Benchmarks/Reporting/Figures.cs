using System.Text.Json;

namespace Exp22.Benchmarks.Reporting;

/// <summary>Every figure of one benchmark run, in the order measured, printed as one JSON line at the end.</summary>
public sealed class Figures
{
    private readonly Dictionary<string, object> _values = [];

    public void Add(string key, double value, int decimals = 2) => _values[key] = Math.Round(value, decimals);

    public void Add(string key, long value) => _values[key] = value;

    public void Add(string key, string value) => _values[key] = value;

    public bool TryGet(string key, out double value)
    {
        value = _values.TryGetValue(key, out var o) && o is double d ? d : double.NaN;
        return !double.IsNaN(value);
    }

    public string ToJsonLine() => JsonSerializer.Serialize(_values);
}
