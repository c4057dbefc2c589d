using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Pi.Cloud.Tests.Api;

/// <summary>Listens to one host's "pi.cloud.refusals" counter (by its meter factory) and counts by reason.</summary>
public sealed class MetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _refusals = new();
    private readonly SemaphoreSlim _counted = new(0);

    public MetricsProbe(CloudHost host)
    {
        var factory = host.Service<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name == "pi.cloud.refusals")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason" && tag.Value is string reason)
                {
                    _refusals.AddOrUpdate(reason, value, (_, v) => v + value);
                    _counted.Release();
                }
            }
        });
        _listener.Start();
    }

    public long Refusals(string reason) => _refusals.GetValueOrDefault(reason);

    public async Task WaitForAsync(string reason, long atLeast, int seconds = 10)
    {
        // Woken by each counted refusal; no polling.
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (Refusals(reason) < atLeast)
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero && await _counted.WaitAsync(left), $"expected {atLeast} refusals '{reason}', saw {Refusals(reason)}");
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _counted.Dispose();
    }
}
