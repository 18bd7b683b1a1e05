using Microsoft.Extensions.Options;

namespace Exp22.AppHost.Telemetry.Storage;

/// <summary>
/// The last points of every metric series (resource × instrument × attribute set). A series keeps its
/// most recent points; a resource keeps at most a bounded number of series, refusing new ones beyond.
/// </summary>
public sealed class MetricStore(IOptions<TelemetryStoreOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Resource, string Name), StoredInstrument> _instruments = [];
    private readonly Dictionary<SeriesKey, Series> _series = [];
    private readonly Dictionary<string, int> _seriesPerResource = [];

    /// <returns>How many points were refused because their resource has too many series.</returns>
    public int Add(StoredInstrument instrument, IEnumerable<(IReadOnlyDictionary<string, string> Attributes, StoredPoint Point)> points)
    {
        var refused = 0;
        lock (_lock)
        {
            _instruments[(instrument.Resource, instrument.Name)] = instrument;
            foreach (var (attributes, point) in points)
            {
                var key = new SeriesKey(instrument.Resource, instrument.Name, Canonical(attributes));
                if (!_series.TryGetValue(key, out var series))
                {
                    var count = _seriesPerResource.GetValueOrDefault(instrument.Resource);
                    if (count >= options.Value.MaxSeriesPerResource)
                    {
                        refused++;
                        continue;
                    }

                    _seriesPerResource[instrument.Resource] = count + 1;
                    _series[key] = series = new Series(attributes, new RingBuffer<StoredPoint>(options.Value.MaxPointsPerSeries));
                }

                series.Points.Add(point);
            }
        }

        return refused;
    }

    public IReadOnlyList<StoredInstrument> Instruments(string? resource)
    {
        lock (_lock)
        {
            return [.. _instruments.Values
                .Where(i => resource is null || i.Resource == resource)
                .OrderBy(i => i.Name).ThenBy(i => i.Resource)];
        }
    }

    public IReadOnlyList<StoredSeries> SeriesOf(string name, string? resource)
    {
        lock (_lock)
        {
            return [.. _series
                .Where(s => s.Key.Name == name && (resource is null || s.Key.Resource == resource))
                .Select(s =>
                {
                    var instrument = _instruments[(s.Key.Resource, s.Key.Name)];
                    return new StoredSeries(s.Key.Resource, name, instrument.Unit, instrument.Type, s.Value.Attributes,
                        [.. s.Value.Points.NewestFirst().Reverse()]);
                })
                .OrderBy(s => s.Resource).ThenBy(s => s.Attributes.Count)];
        }
    }

    public int CountOf(string resource)
    {
        lock (_lock)
            return _seriesPerResource.GetValueOrDefault(resource);
    }

    private static string Canonical(IReadOnlyDictionary<string, string> attributes) =>
        string.Join('\u001f', attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));

    private readonly record struct SeriesKey(string Resource, string Name, string Attributes);

    private sealed record Series(IReadOnlyDictionary<string, string> Attributes, RingBuffer<StoredPoint> Points);
}
