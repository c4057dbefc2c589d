using System.Device.Gpio;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Gpio;

namespace Pi.Gateway.Tests.Gpio;

/// <summary>The socket as a rig sees it: the protocol, its errors, and what a hostile client cannot do.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class Virtual_Gpio_Socket_Tests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _path = GpioTestSupport.NewSocketPath();
    private readonly VirtualGpioDriver _driver;
    private readonly GpioController _controller;
    private readonly CancellationTokenSource _deadline = GpioTestSupport.Deadline();

    public Virtual_Gpio_Socket_Tests()
    {
        _driver = new VirtualGpioDriver(new VirtualGpioDriverOptions(_path, MaxConnections: 3), _time, NullLoggerFactory.Instance);
        _controller = new GpioController(_driver);
    }

    private static string StartMs => Start.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _controller.Dispose();
        _deadline.Dispose();
    }

    [Fact]
    public void The_socket_is_only_for_its_owner_and_is_removed_on_dispose()
    {
        Assert.Equal(_path, _driver.SocketPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path));

        _controller.Dispose();

        Assert.False(File.Exists(_path));
    }

    [Fact]
    public void Group_access_makes_it_0660()
    {
        var path = GpioTestSupport.NewSocketPath();
        using var driver = new VirtualGpioDriver(new VirtualGpioDriverOptions(path, SocketGroupAccess: true), _time, NullLoggerFactory.Instance);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_rig_sets_gets_and_reads_modes()
    {
        _controller.OpenPin(17, PinMode.InputPullUp);
        _controller.OpenPin(27, PinMode.Output, PinValue.High);
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);

        Assert.Equal("PONG", await rig.RequestAsync("PING", _deadline.Token));
        Assert.Equal("MODE 17 input-pullup", await rig.RequestAsync("MODE 17", _deadline.Token));
        Assert.Equal("MODE 27 output", await rig.RequestAsync("MODE 27", _deadline.Token));
        Assert.Equal("MODE 3 closed", await rig.RequestAsync("MODE 3", _deadline.Token));
        Assert.Equal($"VAL 17 1 {StartMs}", await rig.RequestAsync("GET 17", _deadline.Token));
        Assert.Equal($"VAL 27 1 {StartMs}", await rig.RequestAsync("GET 27", _deadline.Token));

        Assert.Equal($"OK {StartMs}", await rig.RequestAsync("SET 17 0", _deadline.Token));
        Assert.Equal(PinValue.Low, _controller.Read(17));
        Assert.Equal($"OK {StartMs}", await rig.RequestAsync("RELEASE 17\r", _deadline.Token));
        Assert.Equal(PinValue.High, _controller.Read(17));
    }

    [Fact]
    public async Task Watch_reports_the_open_pins_then_streams_every_change_with_its_time()
    {
        _controller.OpenPin(17, PinMode.InputPullUp);
        _controller.OpenPin(27, PinMode.Output);
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);

        await rig.SendAsync("WATCH\n", _deadline.Token);
        Assert.Equal("STATE 17 input-pullup 1", await rig.ReadLineAsync(_deadline.Token));
        Assert.Equal("STATE 27 output 0", await rig.ReadLineAsync(_deadline.Token));
        Assert.Equal($"OK {StartMs}", await rig.ReadLineAsync(_deadline.Token));

        _time.Advance(TimeSpan.FromMilliseconds(250));
        _controller.Write(27, PinValue.High);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        _controller.Write(27, PinValue.High); // no change, no event
        _controller.Write(27, PinValue.Low);

        Assert.Equal($"EVT 27 1 {Start.AddMilliseconds(250).ToUnixTimeMilliseconds()}", await rig.ReadLineAsync(_deadline.Token));
        Assert.Equal($"EVT 27 0 {Start.AddMilliseconds(750).ToUnixTimeMilliseconds()}", await rig.ReadLineAsync(_deadline.Token));

        // The rig's own drive shows in the stream before its OK.
        await rig.SendAsync("SET 17 0\n", _deadline.Token);
        Assert.Equal($"EVT 17 0 {Start.AddMilliseconds(750).ToUnixTimeMilliseconds()}", await rig.ReadLineAsync(_deadline.Token));
        Assert.StartsWith("OK ", await rig.ReadLineAsync(_deadline.Token), StringComparison.Ordinal);

        Assert.StartsWith("ERR already-watching ", await rig.RequestAsync("WATCH", _deadline.Token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FLY 17", "ERR unknown-command ")]
    [InlineData("GET 64", "ERR bad-pin ")]
    [InlineData("SET 17 5", "ERR bad-level ")]
    [InlineData("SET 17", "ERR syntax ")]
    [InlineData("SET 27 1", "ERR not-input ")]
    public async Task Mistakes_are_answered_with_typed_errors_and_the_session_goes_on(string line, string error)
    {
        _controller.OpenPin(27, PinMode.Output);
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);

        Assert.StartsWith(error, await rig.RequestAsync(line, _deadline.Token), StringComparison.Ordinal);
        Assert.Equal("PONG", await rig.RequestAsync("PING", _deadline.Token));
        Assert.Equal(PinValue.Low, _driver.GetPin(27).Level);
    }

    [Fact]
    public async Task Binary_garbage_is_refused_line_by_line()
    {
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);

        await rig.SendAsync([0x00, 0xff, 0xfe, 0x1b, (byte)'\n', 0x80, (byte)'G', (byte)'\n'], _deadline.Token);

        Assert.StartsWith("ERR syntax ", await rig.ReadLineAsync(_deadline.Token), StringComparison.Ordinal);
        Assert.StartsWith("ERR syntax ", await rig.ReadLineAsync(_deadline.Token), StringComparison.Ordinal);
        Assert.Equal("PONG", await rig.RequestAsync("PING", _deadline.Token));
    }

    [Fact]
    public async Task Empty_lines_are_ignored()
    {
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);

        Assert.Equal("PONG", await rig.RequestAsync("\n\r\n\nPING", _deadline.Token));
    }

    [Fact]
    public async Task Requests_split_across_writes_and_batched_in_one_write_are_both_understood()
    {
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);

        await rig.SendAsync("PI", _deadline.Token);
        await Task.Yield();
        await rig.SendAsync("NG\nMODE 1\nPING\n", _deadline.Token);

        Assert.Equal("PONG", await rig.ReadLineAsync(_deadline.Token));
        Assert.Equal("MODE 1 closed", await rig.ReadLineAsync(_deadline.Token));
        Assert.Equal("PONG", await rig.ReadLineAsync(_deadline.Token));
    }

    [Fact]
    public async Task An_over_long_line_closes_that_connection_only()
    {
        using var hostile = await RawRigClient.ConnectAsync(_path, _deadline.Token);
        await hostile.SendAsync(new string('A', 10_000), _deadline.Token);

        Assert.StartsWith("ERR line-too-long ", await hostile.ReadLineAsync(_deadline.Token), StringComparison.Ordinal);
        Assert.Null(await hostile.ReadLineAsync(_deadline.Token));

        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);
        Assert.Equal("PONG", await rig.RequestAsync("PING", _deadline.Token));
    }

    [Fact]
    public async Task A_line_of_exactly_the_limit_is_accepted()
    {
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);
        var line = "PING" + new string(' ', VirtualGpioProtocol.MaxLineLength - 4);

        Assert.Equal("PONG", await rig.RequestAsync(line + "\r", _deadline.Token));
        Assert.StartsWith("ERR line-too-long ", await rig.RequestAsync(line + " ", _deadline.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_told_busy()
    {
        var rigs = new List<RawRigClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                rigs.Add(await RawRigClient.ConnectAsync(_path, _deadline.Token));
                Assert.Equal("PONG", await rigs[^1].RequestAsync("PING", _deadline.Token));
            }

            using var extra = await RawRigClient.ConnectAsync(_path, _deadline.Token);
            Assert.StartsWith("ERR busy ", await extra.ReadLineAsync(_deadline.Token), StringComparison.Ordinal);
            Assert.Null(await extra.ReadLineAsync(_deadline.Token));

            Assert.Equal("OK", await rigs[0].RequestAsync("QUIT", _deadline.Token));
            Assert.Null(await rigs[0].ReadLineAsync(_deadline.Token));
            // The server forgets the closed connection a moment later; until then a newcomer is told busy.
            while (!await PingsAsync())
            {
                await Task.Delay(10, _deadline.Token);
            }
        }
        finally
        {
            rigs.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task A_watcher_that_never_reads_is_dropped_and_never_blocks_the_gateway()
    {
        _controller.OpenPin(27, PinMode.Output);
        using var sleeper = await RawRigClient.ConnectAsync(_path, _deadline.Token);
        sleeper.Socket.ReceiveBufferSize = 4096;
        await sleeper.SendAsync("WATCH\n", _deadline.Token);
        Assert.Equal("STATE 27 output 0", await sleeper.ReadLineAsync(_deadline.Token));
        Assert.StartsWith("OK ", await sleeper.ReadLineAsync(_deadline.Token), StringComparison.Ordinal);

        // Far more events than the outbox and the kernel's buffers hold; every write returns at once.
        var writes = Task.Run(() =>
        {
            for (var i = 0; i < 200_000; i++)
            {
                _controller.Write(27, i % 2 == 0 ? PinValue.High : PinValue.Low);
            }
        });
        await writes.WaitAsync(_deadline.Token);

        // The sleeper is cut off: draining what it has ends in end-of-stream, not in a live stream.
        var lines = 0;
        while (await sleeper.ReadLineAsync(_deadline.Token) is not null)
        {
            lines++;
        }

        Assert.InRange(lines, 1, 199_999);
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);
        Assert.Equal("PONG", await rig.RequestAsync("PING", _deadline.Token));
    }

    [Fact]
    public async Task Disposing_the_driver_disconnects_the_rigs()
    {
        using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);
        Assert.Equal("PONG", await rig.RequestAsync("PING", _deadline.Token));

        _controller.Dispose();

        Assert.Null(await rig.ReadLineAsync(_deadline.Token));
    }

    [Fact]
    public async Task A_stale_socket_is_replaced()
    {
        var path = GpioTestSupport.NewSocketPath();
        // Bound, never listening: what a crashed gateway leaves. (.NET unlinks a bound path when the
        // socket is disposed, so this one stays open until after the driver is gone.)
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(path));
        Assert.True(File.Exists(path));

        using var driver = new VirtualGpioDriver(new VirtualGpioDriverOptions(path), _time, NullLoggerFactory.Instance);
        using var rig = await RawRigClient.ConnectAsync(path, _deadline.Token);

        Assert.Equal("PONG", await rig.RequestAsync("PING", _deadline.Token));
    }

    [Fact]
    public void A_socket_another_gateway_serves_is_not_taken_over()
    {
        var error = Assert.Throws<GpioUnavailableException>(() =>
            new VirtualGpioDriver(new VirtualGpioDriverOptions(_path), _time, NullLoggerFactory.Instance));

        Assert.Contains("already serves", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(_path));
    }

    [Fact]
    public void A_regular_file_at_the_path_is_left_alone()
    {
        var path = GpioTestSupport.NewSocketPath();
        File.WriteAllText(path, "not a socket");
        try
        {
            var error = Assert.Throws<GpioUnavailableException>(() =>
                new VirtualGpioDriver(new VirtualGpioDriverOptions(path), _time, NullLoggerFactory.Instance));

            Assert.Contains("not a socket", error.Message, StringComparison.Ordinal);
            Assert.Equal("not a socket", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_path_too_long_for_a_unix_socket_is_a_clear_error()
    {
        var path = "/tmp/" + new string('x', 200) + ".sock";

        var error = Assert.Throws<GpioUnavailableException>(() =>
            new VirtualGpioDriver(new VirtualGpioDriverOptions(path), _time, NullLoggerFactory.Instance));

        Assert.Contains("Gpio:VirtualSocketPath", error.Message, StringComparison.Ordinal);
    }

    private async Task<bool> PingsAsync()
    {
        try
        {
            using var rig = await RawRigClient.ConnectAsync(_path, _deadline.Token);
            return await rig.RequestAsync("PING", _deadline.Token) == "PONG";
        }
        catch (SocketException)
        {
            return false; // refused and closed before the PING went out
        }
    }
}
