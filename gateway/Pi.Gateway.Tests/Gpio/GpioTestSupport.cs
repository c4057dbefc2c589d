using System.Net.Sockets;
using System.Text;

namespace Pi.Gateway.Tests.Gpio;

/// <summary>Socket paths and deadlines that keep GPIO tests parallel-safe and bounded.</summary>
internal static class GpioTestSupport
{
    /// <summary>A fresh socket path no other test uses (short enough for sun_path's 107 bytes).</summary>
    public static string NewSocketPath()
    {
        var directory = Path.GetTempPath();
        if (directory.Length > 60)
        {
            directory = "/tmp";
        }

        return Path.Combine(directory, $"pi-gpio-{Guid.NewGuid():N}.sock");
    }

    /// <summary>A deadline for one test's awaits: generous, so only a hang trips it.</summary>
    public static CancellationTokenSource Deadline(int seconds = 15) => new(TimeSpan.FromSeconds(seconds));
}

/// <summary>A bare socket client that speaks raw bytes, to test what a hostile or sloppy rig can do.</summary>
internal sealed class RawRigClient : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[8192];
    private readonly StringBuilder _pending = new();

    private RawRigClient(Socket socket) => _socket = socket;

    public static async Task<RawRigClient> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        return new RawRigClient(socket);
    }

    public Socket Socket => _socket;

    public async Task SendAsync(string text, CancellationToken cancellationToken) =>
        await SendAsync(Encoding.Latin1.GetBytes(text), cancellationToken);

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken) =>
        await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);

    /// <summary>The next line, or null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var text = _pending.ToString();
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            if (newline >= 0)
            {
                _pending.Remove(0, newline + 1);
                return text[..newline];
            }

            var read = await _socket.ReceiveAsync(_buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            _pending.Append(Encoding.Latin1.GetString(_buffer, 0, read));
        }
    }

    public async Task<string?> RequestAsync(string line, CancellationToken cancellationToken)
    {
        await SendAsync(line + "\n", cancellationToken);
        return await ReadLineAsync(cancellationToken);
    }

    public void Dispose() => _socket.Dispose();
}
