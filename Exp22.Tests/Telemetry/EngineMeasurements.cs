using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Exp22.Workflows.Telemetry;

namespace Exp22.Tests.Telemetry;

/// <summary>
/// Every measurement the engine's Meter makes in this process while the listener lives. Tests run in
/// parallel and share the engine's static instruments, so each test reads only the measurements
/// tagged with its own queue or executor id.
/// </summary>
public sealed class EngineMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measured = new();

    public EngineMeasurements()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == WorkflowTelemetry.Name)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _listener.Start();
    }

    public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>Asks the observable gauges for their current values.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public IEnumerable<Measured> Of(string instrument, string tag, string value) =>
        _measured.Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault(tag), value));

    public double Sum(string instrument, string tag, string value, string? workflowName = null) =>
        Of(instrument, tag, value)
            .Where(m => workflowName is null || Equals(m.Tags.GetValueOrDefault("exp22.workflow.name"), workflowName))
            .Sum(m => m.Value);

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(tags.Length);
        foreach (var tag in tags)
            copy[tag.Key] = tag.Value;
        _measured.Enqueue(new Measured(instrument.Name, value, copy));
    }

    public void Dispose() => _listener.Dispose();
}
