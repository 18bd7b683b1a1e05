using System.Text.Json;

namespace Exp22.Benchmarks.Reporting;

/// <summary>Every figure of one benchmark run, in the order measured, printed as one JSON line at the end.</summary>
public sealed class Figures
{
    private readonly Dictionary<string, object> _values = [];

    public void Add(string key, double value, int decimals = 2) => _values[key] = Math.Round(value, decimals);

    public void Add(string key, long value) => _values[key] = value;

    public void Add(string key, string value) => _values[key] = value;

    /// <summary>A curve: one object per point, its figures rounded as given.</summary>
    public void AddCurve(string key, IEnumerable<IReadOnlyDictionary<string, double>> points, int decimals = 3) =>
        _values[key] = points.Select(p => p.ToDictionary(e => e.Key, e => Math.Round(e.Value, decimals))).ToList();

    public bool TryGet(string key, out double value)
    {
        value = _values.TryGetValue(key, out var o) && o is double d ? d : double.NaN;
        return !double.IsNaN(value);
    }

    public string ToJsonLine() => JsonSerializer.Serialize(_values);
}
