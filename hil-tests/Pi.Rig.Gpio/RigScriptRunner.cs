using System.Device.Gpio;
using System.Globalization;
using Pi.Gateway.Gpio;

namespace Pi.Rig.Gpio;

/// <summary>Runs a script against the gateway's socket with a <see cref="VirtualGpioRig"/>, one output line per result.</summary>
internal sealed class RigScriptRunner(string socketPath, PinValue pressLevel, TextWriter output)
{
    private bool _watching;

    public async Task RunAsync(IReadOnlyList<RigStatement> statements, CancellationToken cancellationToken)
    {
        VirtualGpioRig connected;
        try
        {
            connected = await VirtualGpioRig.ConnectAsync(socketPath, pressLevel, TimeProvider.System, cancellationToken);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new VirtualGpioRigException($"cannot connect to {socketPath} ({ex.SocketErrorCode}); is the gateway running with Gpio:Driver=Virtual?", ex);
        }

        await using var rig = connected;
        foreach (var statement in statements)
        {
            await RunAsync(rig, statement, cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
    }

    private async Task RunAsync(VirtualGpioRig rig, RigStatement s, CancellationToken cancellationToken)
    {
        switch (s.Verb)
        {
            case "watch":
                await WatchAsync(rig, cancellationToken);
                break;
            case "press":
                var press = await rig.PressForAsync(s.Pin, s.Duration, cancellationToken);
                Write($"PRESS {s.Pin} {Ms(press.PressedAt)} {Ms(press.ReleasedAt)}");
                break;
            case "down":
                Write($"DOWN {s.Pin} {Ms(await rig.PressAsync(s.Pin, cancellationToken))}");
                break;
            case "up":
                Write($"UP {s.Pin} {Ms(await rig.ReleaseAsync(s.Pin, cancellationToken))}");
                break;
            case "set":
                Write($"SET {s.Pin} {Ms(await rig.SetLevelAsync(s.Pin, s.Level == 1 ? PinValue.High : PinValue.Low, cancellationToken))}");
                break;
            case "float":
                Write($"FLOAT {s.Pin} {Ms(await rig.FloatAsync(s.Pin, cancellationToken))}");
                break;
            case "read":
                Write($"READ {s.Pin} {Level(await rig.ReadLevelAsync(s.Pin, cancellationToken))}");
                break;
            case "mode":
                Write($"MODE {s.Pin} {await rig.ReadModeAsync(s.Pin, cancellationToken)}");
                break;
            case "wait":
                await Task.Delay(s.Duration, cancellationToken);
                break;
            case "wait-level":
                await WatchAsync(rig, cancellationToken);
                var level = await WithTimeoutAsync(t => rig.WaitForLevelAsync(s.Pin, s.Level == 1 ? PinValue.High : PinValue.Low, t), s, cancellationToken);
                Write($"LEVEL {s.Pin} {Level(level.Level)} {Ms(level.At)}");
                break;
            case "wait-change":
                await WatchAsync(rig, cancellationToken);
                var change = await WithTimeoutAsync(t => rig.WaitForChangeAsync(s.Pin, t), s, cancellationToken);
                Write($"CHANGE {s.Pin} {Level(change.Level)} {Ms(change.At)}");
                break;
            case "record":
                await WatchAsync(rig, cancellationToken);
                var from = rig.Timeline.Count;
                var start = DateTimeOffset.UtcNow;
                await Task.Delay(s.Duration, cancellationToken);
                await rig.PingAsync(cancellationToken); // every change up to now has arrived
                Write($"RECORD {Ms(start)} {Ms(DateTimeOffset.UtcNow)}");
                foreach (var c in rig.Timeline.Skip(from))
                {
                    Write($"EVT {c.Pin} {Level(c.Level)} {Ms(c.At)}");
                }

                break;
            case "timeline":
                await rig.PingAsync(cancellationToken);
                foreach (var c in rig.Timeline)
                {
                    Write($"EVT {c.Pin} {Level(c.Level)} {Ms(c.At)}");
                }

                break;
        }
    }

    private async Task WatchAsync(VirtualGpioRig rig, CancellationToken cancellationToken)
    {
        if (_watching)
        {
            return;
        }

        foreach (var pin in await rig.WatchAsync(cancellationToken))
        {
            Write($"STATE {pin.Pin} {pin.Mode} {Level(pin.Level)}");
        }

        _watching = true;
    }

    private static async Task<VirtualPinChange> WithTimeoutAsync(Func<CancellationToken, Task<VirtualPinChange>> wait, RigStatement s, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s.Duration);
        try
        {
            return await wait(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{s.Verb} {s.Pin}: nothing within {s.Duration.TotalMilliseconds} ms");
        }
    }

    private void Write(string line) => output.WriteLine(line);

    private static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string Level(PinValue level) => level == PinValue.High ? "1" : "0";
}
