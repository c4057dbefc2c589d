using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pi.Cloud.Tests.Operations;

/// <summary>One measurement as a listener saw it.</summary>
internal sealed record RecordedMeasurement(string Instrument, long Value, IReadOnlyDictionary<string, string?> Tags);

/// <summary>Listens to the instruments of one meter instance only, so parallel tests do not see each other.</summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();

    public MeterRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                Instruments.Add(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagMap = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                tagMap[tag.Key] = tag.Value?.ToString();
            }
            _measurements.Enqueue(new RecordedMeasurement(instrument.Name, value, tagMap));
        });
        _listener.Start();
    }

    public ConcurrentBag<Instrument> Instruments { get; } = [];

    public IReadOnlyList<RecordedMeasurement> Measurements => [.. _measurements];

    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();
}
