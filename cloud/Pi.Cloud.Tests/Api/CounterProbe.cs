using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pi.Cloud.Tests.Api;

/// <summary>
/// Sums one host's "pi.cloud.*" counters by instrument and by the value of their outcome/reason tag
/// ("pi.cloud.relay.items/duplicate"; untagged counters under their plain name). Counters are added
/// synchronously, so what the cloud counted before it answered is there when the answer arrives.
/// </summary>
public sealed class CounterProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);

    public CounterProbe(CloudHost host)
    {
        var factory = host.Service<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("pi.cloud.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                if (tag.Key is "outcome" or "reason" && tag.Value is string name)
                {
                    key = $"{instrument.Name}/{name}";
                }
            }
            _sums.AddOrUpdate(key, value, (_, v) => v + value);
        });
        _listener.Start();
    }

    /// <summary>The sum of "name" or "name/tag value".</summary>
    public long this[string key] => _sums.GetValueOrDefault(key);

    public void Dispose() => _listener.Dispose();
}
