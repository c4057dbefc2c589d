using Pi.Gateway.Leds;

namespace Pi.Hil.Leds;

/// <summary>Waits until a rig's LEDs show a pattern, re-checking at every LED change.</summary>
public static class LedWaiter
{
    /// <summary>
    /// Checks the last <see cref="LedPatternMatcher.WindowFor"/> of the timeline at each LED change
    /// and at least every 100 ms: a steady pattern (Online: green on) makes no change at all, so
    /// elapsed time alone can complete it; that check is the only poll, bounded by <paramref name="timeout"/>.
    /// </summary>
    public static async Task<LedTimeline> WaitAsync(Func<LedTimeline> timeline, Action<Action> subscribe, Action<Action> unsubscribe, LedState state, int ledCount, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(subscribe);
        ArgumentNullException.ThrowIfNull(unsubscribe);
        var window = LedPatternMatcher.WindowFor(state, ledCount);
        var deadline = DateTimeOffset.UtcNow + timeout;
        var signal = new SemaphoreSlim(0);
        void OnChange() => signal.Release();
        subscribe(OnChange);
        try
        {
            while (true)
            {
                var now = DateTimeOffset.UtcNow;
                var slice = timeline().Slice(now - window, now);
                if (slice.To - slice.From >= window - TimeSpan.FromMilliseconds(5) && LedPatternMatcher.Shows(slice, state))
                {
                    return slice;
                }
                if (now >= deadline)
                {
                    throw new TimeoutException($"the LEDs did not show {state} within {timeout.TotalSeconds:0.#} s; last {window.TotalSeconds:0.#} s: {slice}");
                }
                await signal.WaitAsync(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            unsubscribe(OnChange);
            signal.Dispose();
        }
    }
}
