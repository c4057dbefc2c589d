using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Pi.Hil.Processes;

namespace Pi.Hil.Netns;

/// <summary>
/// A network namespace this rig made (<c>ip netns add</c>) and removes again. Programs run in it
/// through <c>ip netns exec</c>; this process reaches into it by creating sockets on a thread that
/// has entered it (setns is per thread, and a socket stays in the namespace it was made in).
/// </summary>
public sealed class NetworkNamespace
{
    private NetworkNamespace(string name) => Name = name;

    /// <summary>The namespace's name (under /run/netns).</summary>
    public string Name { get; }

    /// <summary>Whether this process can make namespaces: root, and iproute2 installed.</summary>
    public static bool CanCreate => OperatingSystem.IsLinux() && Native.GetEuid() == 0 && Tools.Find("ip") is not null;

    /// <summary>Makes a namespace with loopback up.</summary>
    public static async Task<NetworkNamespace> CreateAsync(string name, RigLog log)
    {
        await Tools.RunAsync(Tools.Ip, ["netns", "add", name], log).ConfigureAwait(false);
        var ns = new NetworkNamespace(name);
        try
        {
            await ns.IpAsync(log, "link", "set", "lo", "up").ConfigureAwait(false);
        }
        catch
        {
            await ns.DeleteAsync(log).ConfigureAwait(false);
            throw;
        }
        return ns;
    }

    /// <summary>Runs <c>ip</c> with <paramref name="arguments"/> inside the namespace.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> IpAsync(RigLog log, params string[] arguments) =>
        Tools.RunAsync(Tools.Ip, ["-n", Name, .. arguments], log);

    /// <summary>Runs a short command inside the namespace.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> ExecAsync(RigLog log, string program, IEnumerable<string> arguments, bool check = true, TimeSpan? timeout = null) =>
        Tools.RunAsync(Tools.Ip, ["netns", "exec", Name, program, .. arguments], log, check, timeout);

    /// <summary>Removes the namespace (its interfaces go with it). Never throws.</summary>
    public async Task DeleteAsync(RigLog log)
    {
        try
        {
            await Tools.RunAsync(Tools.Ip, ["netns", "delete", Name], log, check: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            log.Write("rig", $"could not delete netns {Name}: {e.Message}");
        }
    }

    /// <summary>Whether a namespace of this name exists.</summary>
    public static bool Exists(string name) => File.Exists(Path.Combine("/run/netns", name));

    /// <summary>A TCP socket that lives in this namespace (connect it from anywhere).</summary>
    public Socket CreateTcpSocket(AddressFamily family = AddressFamily.InterNetwork)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/run/netns", Name), FileMode.Open, FileAccess.Read);
                if (Native.SetNs((int)handle.DangerousGetHandle(), Native.CloneNewNet) != 0)
                {
                    throw new IOException($"setns into {Name} failed (errno {Marshal.GetLastPInvokeError()})");
                }
                socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }
            catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = "netns " + Name,
        };
        // This thread enters the namespace and ends; the pool's threads never do.
        thread.Start();
        thread.Join();
        return socket ?? throw new IOException($"no socket in netns {Name}", failure);
    }

    /// <summary>An HTTP client whose connections are made inside this namespace (TLS pinned to <paramref name="fingerprint"/> when given).</summary>
    public HttpClient CreateHttpClient(byte[]? fingerprint)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = CreateTcpSocket();
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        PinTls(handler, fingerprint);
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Pins a handler's TLS to a certificate's SHA-256 (the cloud's development certificate).</summary>
    public static void PinTls(SocketsHttpHandler handler, byte[]? fingerprint)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (fingerprint is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None
                || (certificate is not null && certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256).AsSpan().SequenceEqual(fingerprint));
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// The simulated rig's network: the APP's namespace (the phone, and the router's LAN where the
/// cloud lives) and the gateway's, joined by one veth pair. The gateway's end carries the softAP's
/// address (192.168.4.1/24; dnsmasq serves DHCP there) and a LAN address; the APP's end carries
/// the router's LAN address and gets a softAP address by DHCP. All names are unique per rig.
/// </summary>
public sealed class RigNetwork : IAsyncDisposable
{
    /// <summary>The router's (and the cloud's) address on the LAN, in the APP's namespace.</summary>
    public static readonly IPAddress RouterAddress = IPAddress.Parse("10.77.0.1");

    /// <summary>The gateway's address on the LAN.</summary>
    public static readonly IPAddress GatewayLanAddress = IPAddress.Parse("10.77.0.2");

    /// <summary>The gateway's softAP address (AccessPointSettings' default).</summary>
    public static readonly IPAddress SoftApAddress = IPAddress.Parse("192.168.4.1");

    private readonly RigLog _log;

    private RigNetwork(RigLog log, NetworkNamespace app, NetworkNamespace gateway, string appInterface, string gatewayInterface)
    {
        _log = log;
        App = app;
        Gateway = gateway;
        AppInterface = appInterface;
        GatewayInterface = gatewayInterface;
    }

    /// <summary>The APP's (and the router LAN's) namespace.</summary>
    public NetworkNamespace App { get; }

    /// <summary>The gateway's namespace.</summary>
    public NetworkNamespace Gateway { get; }

    /// <summary>The veth end in the APP's namespace.</summary>
    public string AppInterface { get; }

    /// <summary>The veth end in the gateway's namespace.</summary>
    public string GatewayInterface { get; }

    /// <summary>Makes both namespaces and the veth pair; on any failure removes what was made.</summary>
    public static async Task<RigNetwork> CreateAsync(RigLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        var made = new List<NetworkNamespace>();
        try
        {
            var app = await NetworkNamespace.CreateAsync($"pihil-{id}-app", log).ConfigureAwait(false);
            made.Add(app);
            var gateway = await NetworkNamespace.CreateAsync($"pihil-{id}-gw", log).ConfigureAwait(false);
            made.Add(gateway);
            var appIf = $"ph{id}a";
            var gwIf = $"ph{id}g";
            // Made in this namespace, then moved (a failure in between leaves a pair named after this rig only).
            await Tools.RunAsync(Tools.Ip, ["link", "add", appIf, "type", "veth", "peer", "name", gwIf], log).ConfigureAwait(false);
            try
            {
                await Tools.RunAsync(Tools.Ip, ["link", "set", appIf, "netns", app.Name], log).ConfigureAwait(false);
                await Tools.RunAsync(Tools.Ip, ["link", "set", gwIf, "netns", gateway.Name], log).ConfigureAwait(false);
            }
            catch
            {
                await Tools.RunAsync(Tools.Ip, ["link", "delete", appIf], log, check: false).ConfigureAwait(false);
                throw;
            }
            await app.IpAsync(log, "addr", "add", RouterAddress + "/24", "dev", appIf).ConfigureAwait(false);
            await app.IpAsync(log, "link", "set", appIf, "up").ConfigureAwait(false);
            await gateway.IpAsync(log, "addr", "add", SoftApAddress + "/24", "dev", gwIf).ConfigureAwait(false);
            await gateway.IpAsync(log, "addr", "add", GatewayLanAddress + "/24", "dev", gwIf).ConfigureAwait(false);
            await gateway.IpAsync(log, "link", "set", gwIf, "up").ConfigureAwait(false);
            // The router is the gateway's way out (and the route a limited broadcast takes).
            await gateway.IpAsync(log, "route", "add", "default", "via", RouterAddress.ToString()).ConfigureAwait(false);
            return new RigNetwork(log, app, gateway, appIf, gwIf);
        }
        catch
        {
            foreach (var ns in made)
            {
                await ns.DeleteAsync(log).ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>Removes both namespaces (the veth pair goes with them). Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        await App.DeleteAsync(_log).ConfigureAwait(false);
        await Gateway.DeleteAsync(_log).ConfigureAwait(false);
    }
}
