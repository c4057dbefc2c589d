using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pi.Gateway.Gpio;
using Pi.Gateway.Leds;

namespace Pi.Gateway.Tests.Gpio;

/// <summary>Tests that measure real time run alone, so a busy machine does not blur them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Real_Time_Gpio : ICollectionFixture<Thread_Pool_Headroom>
{
    public const string Name = "Real-time GPIO";
}

/// <summary>
/// The test host's own machinery holds the few pool threads a two-core machine starts with (all
/// of them busy before a test begins), and the pool adds threads only about twice a second: socket
/// replies and timers in the test process then run hundreds of milliseconds late. Timing tests
/// measure the gateway, not that, so the pool may start more threads at once.
/// </summary>
public sealed class Thread_Pool_Headroom
{
    public Thread_Pool_Headroom()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), io);
    }
}

/// <summary>
/// The gateway's side (virtual driver, reset button, status LEDs) in this process; the rig in
/// another (hil-tests/Pi.Rig.Gpio), pressing the button and reading the LEDs over the socket, as a
/// HIL rig does through wires.
/// </summary>
[Collection(Real_Time_Gpio.Name)]
public sealed class Cross_Process_Rig_Tests : IDisposable
{
    private const int Button = 17;
    private const int Green = 27;
    private const int Red = 22;
    private const int LongPressMs = 1500;

    // Timer lateness on a loaded two-core machine, and GpioButton's hold timer on top of it; timers
    // may also fire a hair early against the wall clock the stamps come from.
    private const int LedToleranceMs = 60;
    private const int HoldToleranceMs = 250;
    private const int EarlyMs = 10;

    private readonly string _path = GpioTestSupport.NewSocketPath();
    private readonly VirtualGpioDriver _driver;
    private readonly GpioController _controller;
    private readonly ResetButton _button;
    private readonly StatusLeds _leds;
    private readonly ConcurrentQueue<(string Press, long Ms)> _presses = new();
    private readonly ConcurrentDictionary<LedState, long> _shownAt = new();
    private readonly CancellationTokenSource _deadline = GpioTestSupport.Deadline(60);

    public Cross_Process_Rig_Tests()
    {
        _driver = new VirtualGpioDriver(new VirtualGpioDriverOptions(_path), TimeProvider.System, NullLoggerFactory.Instance);
        _controller = new GpioController(_driver);
        var options = Options.Create(new GpioOptions { ResetPin = Button, LongPressMs = LongPressMs, DebounceMs = 50, LedPins = [Green, Red] });
        _button = new ResetButton(_controller, options, TimeProvider.System, NullLogger<ResetButton>.Instance);
        _leds = new StatusLeds(_controller, options, TimeProvider.System, NullLogger<StatusLeds>.Instance);

        // What the gateway's state machine will do: a short press shows Connecting, a long one Resetting.
        _button.ShortPress += (_, _) => Record("short", LedState.Connecting);
        _button.LongPress += (_, _) => Record("long", LedState.Resetting);
    }

    public void Dispose()
    {
        _button.Dispose();
        _leds.Dispose();
        _controller.Dispose();
        _deadline.Dispose();
    }

    [Fact]
    public async Task A_rig_process_presses_short_and_long_and_reads_the_leds_patterns()
    {
        await _leds.StartAsync(_deadline.Token);
        await _button.StartAsync(_deadline.Token);
        Show(LedState.Online);

        var rig = await RigProcess.RunAsync(
            [
                "--socket", _path, "--script",
                $"""
                watch
                read {Green}; read {Red}
                press {Button} 300ms       # short
                wait-change {Green} 5s     # Connecting: green on 500 ms, then off
                press {Button} 2200ms      # long: Resetting starts while it is held
                record 1200ms
                mode {Button}
                """,
            ],
            _deadline.Token);

        Assert.True(rig.ExitCode == 0, $"rig exited {rig.ExitCode}: {rig.Errors}\n{string.Join('\n', rig.Lines)}");
        var lines = rig.Lines;

        // What the rig saw first: Online (green on, red off), its pins as the gateway set them.
        Assert.Contains($"STATE {Button} InputPullUp 1", lines);
        Assert.Contains($"READ {Green} 1", lines);
        Assert.Contains($"READ {Red} 0", lines);
        Assert.Contains($"MODE {Button} InputPullUp", lines);

        // One short press, then one long press, each reported once, when the rules say.
        var presses = lines.Where(l => l.StartsWith("PRESS ", StringComparison.Ordinal)).Select(Numbers).ToList();
        Assert.Equal(2, presses.Count);
        Assert.Equal(["short", "long"], _presses.Select(p => p.Press));
        var (shortDown, shortUp) = (presses[0][1], presses[0][2]);
        var (longDown, longUp) = (presses[1][1], presses[1][2]);
        var shortAt = _presses.First(p => p.Press == "short").Ms;
        var longAt = _presses.First(p => p.Press == "long").Ms;
        Assert.InRange(shortUp - shortDown, 300, 300 + HoldToleranceMs);
        Assert.InRange(shortAt - shortUp, 50 - EarlyMs, 50 + HoldToleranceMs); // after the release settled
        Assert.InRange(longAt - longDown, LongPressMs - EarlyMs, LongPressMs + HoldToleranceMs);
        Assert.True(longAt < longUp, "the long press is reported while the button is still held");

        // Connecting began at the short press: the green LED stayed on 500 ms, then went off.
        var change = Numbers(Assert.Single(lines, l => l.StartsWith($"CHANGE {Green} ", StringComparison.Ordinal)));
        Assert.Equal(0, change[1]);
        AssertNear(_shownAt[LedState.Connecting] + 500, change[2], "Connecting's first change");

        // The recorded second of Resetting: every change of both LEDs falls on one of the pattern's
        // boundaries, with the pattern's level, and no boundary inside the window is missing.
        var record = lines.SkipWhile(l => !l.StartsWith("RECORD ", StringComparison.Ordinal)).ToList();
        var (from, to) = (Numbers(record[0])[0], Numbers(record[0])[1]);
        var events = record.Skip(1).TakeWhile(l => l.StartsWith("EVT ", StringComparison.Ordinal)).Select(Numbers).ToList();
        var player = new LedPatternPlayer(LedPatterns.For(LedState.Resetting, 2));
        var resettingAt = _shownAt[LedState.Resetting];
        Assert.True(from > resettingAt, "the recording starts after Resetting began");
        foreach (var pin in new[] { Green, Red })
        {
            var led = pin == Green ? 0 : 1;
            var seen = events.Where(e => e[0] == pin).ToList();
            // A change stamped just before the window may arrive within it: look a little wider.
            var expected = ChangesBetween(player, led, from - resettingAt - 200, to - resettingAt + 200)
                .Select(c => (At: resettingAt + c.At, c.On)).ToList();
            foreach (var e in seen)
            {
                var nearest = expected.MinBy(x => Math.Abs(x.At - e[2]));
                AssertNear(nearest.At, e[2], $"pin {pin} change");
                Assert.Equal(nearest.On ? 1 : 0, e[1]);
            }

            foreach (var x in expected.Where(x => x.At > from + LedToleranceMs && x.At < to - LedToleranceMs))
            {
                Assert.Contains(seen, e => Math.Abs(e[2] - x.At) <= LedToleranceMs && e[1] == (x.On ? 1 : 0));
            }

            Assert.InRange(seen.Count, 8, 16); // 1.2 s of a 100 ms blink
        }
    }

    [Fact]
    public async Task The_rig_tool_refuses_a_bad_script_without_touching_the_pins()
    {
        var rig = await RigProcess.RunAsync(["--socket", _path, "--script", "press 17 forever"], _deadline.Token);

        Assert.Equal(2, rig.ExitCode);
        Assert.Contains("not a duration", rig.Errors, StringComparison.Ordinal);
        Assert.Equal(VirtualPinMode.Closed, _driver.GetPin(Button).Mode);
    }

    private void Record(string press, LedState state)
    {
        _presses.Enqueue((press, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        Show(state);
    }

    private void Show(LedState state)
    {
        // The time the pattern starts: StatusLeds takes its start within this call.
        _shownAt[state] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _leds.Show(state);
    }

    private static void AssertNear(long expected, long actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= LedToleranceMs, $"{what}: expected at {expected} ± {LedToleranceMs} ms, was at {actual} ({actual - expected:+#;-#;0} ms)");

    /// <summary>The level changes of one LED between two times since the pattern began (ms), with the level after each.</summary>
    private static List<(long At, bool On)> ChangesBetween(LedPatternPlayer player, int led, long from, long to)
    {
        var changes = new List<(long, bool)>();
        var previous = player.IsOn(led, TimeSpan.FromMilliseconds(Math.Max(0, from)));
        for (var t = Math.Max(0, from) + 1; t <= to; t++)
        {
            var on = player.IsOn(led, TimeSpan.FromMilliseconds(t));
            if (on != previous)
            {
                changes.Add((t, on));
                previous = on;
            }
        }

        return changes;
    }

    /// <summary>The numbers of an output line, after its keyword: "EVT 27 1 1764..." is [27, 1, 1764...].</summary>
    private static long[] Numbers(string line) =>
        [.. line.Split(' ').Skip(1).Select(w => long.Parse(w, CultureInfo.InvariantCulture))];
}
