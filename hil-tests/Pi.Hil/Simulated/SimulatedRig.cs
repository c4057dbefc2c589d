using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pi.Gateway.Leds;
using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Config;
using Pi.Hil.Leds;
using Pi.Hil.Netns;
using Pi.Hil.Processes;

namespace Pi.Hil.Simulated;

/// <summary>
/// The simulated rig: the cloud, the gateway and sub-devices as separate processes of the built
/// programs; GPIO through the gateway's virtual driver socket; the APP as a process. As root with
/// <c>ip netns</c>, the APP (with the cloud, on the router's LAN side) and the gateway live in two
/// network namespaces joined by a veth pair: discovery is a real UDP broadcast across it, and
/// dnsmasq (run with the gateway's own generated dnsmasq.conf) hands the APP its softAP address by
/// DHCP. Otherwise everything runs on 127.0.0.1. Everything is stopped by PID and removed on dispose.
/// </summary>
public sealed class SimulatedRig : IRig
{
    private readonly SimulatedRigOptions _options;
    private readonly List<RigProcess> _extra = [];
    private RigNetwork? _network;
    private RigProcess? _dnsmasq;
    private CloudProcess? _cloud;
    private GatewayProcess? _gateway;
    private AppCli? _app;
    private GatewayAddresses? _addresses;
    private string? _appSoftApAddress;
    private string? _brokerUrl;
    private MosquittoBroker? _mosquitto;

    private SimulatedRig(SimulatedRigOptions options, string root)
    {
        _options = options;
        Root = root;
        Log = new RigLog { Sink = options.LiveLog };
    }

    /// <summary>Everything the rig's processes and the rig wrote.</summary>
    public RigLog Log { get; }

    /// <summary>The rig's temporary directory (removed on dispose).</summary>
    public string Root { get; }

    /// <inheritdoc />
    public RigMode Mode { get; private set; }

    /// <inheritdoc />
    public GatewayAddresses Addresses => _addresses ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public int LedCount => GatewayProcess.LedPins.Count;

    /// <inheritdoc />
    public LedTimeline LedTimeline => Gateway.Timeline;

    /// <inheritdoc />
    public AppCli App => _app ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public ICloudControl Cloud => CloudProcess;

    /// <summary>The cloud process.</summary>
    public CloudProcess CloudProcess => _cloud ?? throw new InvalidOperationException("not started");

    /// <summary>The gateway process.</summary>
    public GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("not started");

    /// <summary>The namespaces, in netns mode.</summary>
    public RigNetwork? Network => _network;

    /// <summary>The address the APP got from dnsmasq on the softAP side (netns mode).</summary>
    public string? AppSoftApAddress => _appSoftApAddress;

    /// <summary>The rig's dnsmasq (netns mode).</summary>
    public RigProcess? Dnsmasq => _dnsmasq;

    /// <summary>The provisioning driver: the real APP.</summary>
    public IAppDriver Driver => new CliAppDriver(App, Addresses);

    /// <inheritdoc />
    public string GatewayLog => Log.ToString();

    /// <summary>Starts a rig: network, cloud, gateway (waiting for its softAP).</summary>
    public static async Task<SimulatedRig> StartAsync(SimulatedRigOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = Directory.CreateTempSubdirectory("pihil-").FullName;
        var rig = new SimulatedRig(options, root);
        try
        {
            await rig.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether this machine can run the netns mode.</summary>
    public static bool NetnsPossible => NetworkNamespace.CanCreate;

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var netns = _options.UseNetns ?? NetnsPossible;
        if (netns && !NetnsPossible)
        {
            throw new InvalidOperationException("the netns mode needs root and iproute2's ip");
        }
        Mode = netns ? RigMode.SimulatedNetns : RigMode.SimulatedLoopback;
        Log.Write("rig", $"mode {Mode} ({(netns ? "APP and gateway in network namespaces joined by a veth pair" : "loopback: " + (NetnsPossible ? "netns not asked for" : "not root or no ip netns"))})");

        IPAddress cloudAddress;
        int httpPort, mqttPort, answerPort, searchPort, bridgePort;
        IPEndPoint search;
        IPAddress lan;
        if (netns)
        {
            _network = await RigNetwork.CreateAsync(Log).ConfigureAwait(false);
            cloudAddress = RigNetwork.RouterAddress;
            (httpPort, mqttPort) = (8443, 8883);
            (searchPort, answerPort, bridgePort) = (10071, 10072, 1883);
            search = new IPEndPoint(IPAddress.Broadcast, searchPort);
            lan = RigNetwork.GatewayLanAddress;
            _addresses = new GatewayAddresses(search, RigNetwork.SoftApAddress, lan, _network.AppInterface, answerPort);
        }
        else
        {
            cloudAddress = IPAddress.Loopback;
            (httpPort, mqttPort, bridgePort) = (FreeTcpPort(), FreeTcpPort(), FreeTcpPort());
            (searchPort, answerPort) = (FreeUdpPort(), FreeUdpPort());
            search = new IPEndPoint(IPAddress.Loopback, searchPort);
            lan = IPAddress.Loopback;
            _addresses = new GatewayAddresses(search, IPAddress.Loopback, lan, null, answerPort);
        }

        _brokerUrl = string.Create(CultureInfo.InvariantCulture, $"mqtt://{lan}:{bridgePort}");
        _app = new AppCli(_options.Outputs.App, Log, _network?.App.Name, Root);
        var cloudData = Path.Combine(Root, "cloud");
        Directory.CreateDirectory(cloudData);
        var cloudSettings = new Dictionary<string, string>(_options.CloudSettings);
        if (_options.ExternalBroker)
        {
            _mosquitto = await MosquittoBroker.StartAsync(Log, _network?.App, Path.Combine(Root, "mosquitto"), cloudAddress, netns ? 1883 : FreeTcpPort(), cancellationToken).ConfigureAwait(false);
            foreach (var (key, value) in _mosquitto.CloudSettings)
            {
                cloudSettings[key] = value;
            }
        }
        _cloud = new CloudProcess(_options.Outputs.Cloud, Log, _network?.App, cloudData, cloudAddress, httpPort, mqttPort, cloudSettings);
        // The APP's DHCP on the softAP side and the cloud's start do not depend on each other.
        var dhcp = netns ? StartDhcpAsync(cancellationToken) : Task.CompletedTask;
        await _cloud.StartAsync(cancellationToken).ConfigureAwait(false);
        await dhcp.ConfigureAwait(false);

        var gatewayRoot = Path.Combine(Root, "gw");
        Directory.CreateDirectory(gatewayRoot);
        var world = Path.Combine(gatewayRoot, "world.json");
        var mac = "02:" + string.Join(':', System.Security.Cryptography.RandomNumberGenerator.GetBytes(5).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        await File.WriteAllTextAsync(world, WorldJson(mac, lan), cancellationToken).ConfigureAwait(false);
        var state = Path.Combine(gatewayRoot, "state");
        var socket = Path.Combine(gatewayRoot, "gpio.sock");
        var inv = CultureInfo.InvariantCulture;
        List<string> args =
        [
            "--Wifi:Driver=Simulated", $"--Wifi:SimulatedNetworksFile={world}",
            // The joined router survives a restart, as wpa_supplicant's saved network does on a Pi.
            $"--Wifi:StationConfigPath={Path.Combine(gatewayRoot, "station")}",
            "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={socket}",
            string.Create(inv, $"--Gpio:LongPressMs={(int)_options.LongPress.TotalMilliseconds}"),
            $"--State:DataDirectory={state}",
            $"--Provisioning:BindAddress={(netns ? "0.0.0.0" : "127.0.0.1")}",
            $"--Provisioning:BroadcastAddress={(netns ? "255.255.255.255" : "127.255.255.255")}",
            string.Create(inv, $"--Provisioning:SearchPort={searchPort}"),
            string.Create(inv, $"--Provisioning:AnswerPort={answerPort}"),
            $"--Provisioning:SessionPort={(netns ? "10073" : "0")}",
            $"--Cloud:TrustedCertificateSha256:0={_cloud.Fingerprint}",
            $"--Bridge:ListenAddress={lan}",
            string.Create(inv, $"--Bridge:Port={bridgePort}"),
        ];
        args.AddRange(_options.GatewaySettings.Select(s => $"--{s.Key}={s.Value}"));
        _gateway = new GatewayProcess(_options.Outputs.Gateway, Log, _network?.Gateway.Name, state, socket, args);
        foreach (var network in _options.Networks.Where(n => n.Password is not null))
        {
            Log.AddSecret(network.Password!);
        }
        await _gateway.StartAsync(cancellationToken).ConfigureAwait(false);
        foreach (var secret in _gateway.IdentitySecrets())
        {
            Log.AddSecret(secret);
        }
        await _gateway.WaitForStateAsync("Unprovisioned", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    private string WorldJson(string mac, IPAddress lan) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["macAddress"] = mac,
        ["joinDelay"] = _options.JoinDelay.ToString("c", CultureInfo.InvariantCulture),
        ["networks"] = _options.Networks.Select(n =>
        {
            var entry = new Dictionary<string, object> { ["ssid"] = n.Ssid, ["signal"] = n.Signal, ["ip"] = lan.ToString() };
            if (n.Password is not null)
            {
                entry["password"] = n.Password;
            }
            if (n.JoinDelay is { } delay)
            {
                entry["joinDelay"] = delay.ToString("c", CultureInfo.InvariantCulture);
            }
            return entry;
        }).ToList(),
    });

    // dnsmasq with the gateway's own generated configuration on the gateway's veth end (its softAP
    // side), and a real DHCP client (busybox udhcpc) on the APP's end: the APP "joins the softAP".
    private async Task StartDhcpAsync(CancellationToken cancellationToken)
    {
        var network = _network!;
        var dir = Path.Combine(Root, "dhcp");
        Directory.CreateDirectory(dir);
        var leases = Path.Combine(dir, "dnsmasq.leases");
        var conf = Path.Combine(dir, "dnsmasq.conf");
        await File.WriteAllTextAsync(conf, SoftApConfig.RenderDnsmasq(new AccessPointSettings("pi_gateway_hil"), network.GatewayInterface, leases, Path.Combine(dir, "dnsmasq.pid")), cancellationToken).ConfigureAwait(false);
        var dnsmasq = Tools.Find("dnsmasq") ?? throw new InvalidOperationException("dnsmasq is missing: apt-get install dnsmasq-base");
        // Root keeps its rights (the lease file lives in the rig's private directory).
        _dnsmasq = RigProcess.Start("dnsmasq", dnsmasq, ["--keep-in-foreground", "--log-facility=-", "--user=root", "--port=0", $"--conf-file={conf}"], Log, network.Gateway.Name);
        await _dnsmasq.WaitForLineAsync(l => l.Contains("DHCP, IP range", StringComparison.Ordinal), "its DHCP range", TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);

        var udhcpc = Tools.Find("udhcpc") ?? throw new InvalidOperationException("udhcpc is missing: apt-get install udhcpc");
        var script = Path.Combine(dir, "udhcpc.sh");
        var lease = Path.Combine(dir, "lease.env");
        await File.WriteAllTextAsync(script, $"""
            #!/bin/sh
            # The APP's DHCP client hook: record the lease, put the address on the interface.
            case "$1" in
              bound|renew)
                {Tools.Ip} addr add "$ip/$subnet" dev "$interface"
                printf 'ip=%s\nsubnet=%s\nrouter=%s\nserverid=%s\n' "$ip" "$subnet" "$router" "$serverid" > '{lease}'
                ;;
            esac
            exit 0

            """.Replace("\r", "", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        await network.App.ExecAsync(Log, udhcpc, ["-i", network.AppInterface, "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", script], timeout: TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var values = (await File.ReadAllLinesAsync(lease, cancellationToken).ConfigureAwait(false))
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        _appSoftApAddress = values["ip"];
        Log.Write("rig", $"the APP got {values["ip"]}/{values["subnet"]} from {values["serverid"]} (router {values["router"]}) by DHCP");
    }

    /// <summary>The leases dnsmasq has handed out (netns mode).</summary>
    public string DnsmasqLeases() => _network is null ? "" : File.ReadAllText(Path.Combine(Root, "dhcp", "dnsmasq.leases"));

    /// <inheritdoc />
    public Task PressResetAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        Log.Write("rig", $"press reset for {duration.TotalMilliseconds:0} ms");
        return Gateway.Gpio.PressForAsync(GatewayProcess.ResetPin, duration, cancellationToken);
    }

    /// <inheritdoc />
    public Task HoldResetDownAsync(CancellationToken cancellationToken)
    {
        Log.Write("rig", "reset down");
        return Gateway.Gpio.PressAsync(GatewayProcess.ResetPin, cancellationToken);
    }

    /// <inheritdoc />
    public Task ReleaseResetAsync(CancellationToken cancellationToken)
    {
        Log.Write("rig", "reset up");
        return Gateway.Gpio.ReleaseAsync(GatewayProcess.ResetPin, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<LedTimeline> RecordLedsAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(duration, cancellationToken).ConfigureAwait(false); // recording for a span is the point here
        return Gateway.Timeline.Slice(from, DateTimeOffset.UtcNow);
    }

    /// <inheritdoc />
    public Task<LedTimeline> WaitForLedPatternAsync(LedState state, TimeSpan timeout, CancellationToken cancellationToken) =>
        LedWaiter.WaitAsync(() => Gateway.Timeline, h => Gateway.LedChanged += h, h => Gateway.LedChanged -= h, state, LedCount, timeout, cancellationToken);

    /// <inheritdoc />
    public async Task RestartGatewayAsync(CancellationToken cancellationToken)
    {
        Log.Write("rig", "restart the gateway");
        await Gateway.StopAsync(kill: false).ConfigureAwait(false);
        await Gateway.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task PowerCycleGatewayAsync(CancellationToken cancellationToken)
    {
        Log.Write("rig", "power-cycle the gateway");
        await Gateway.StopAsync(kill: true).ConfigureAwait(false);
        await Gateway.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cloud's external Mosquitto, when <see cref="SimulatedRigOptions.ExternalBroker"/> is set.</summary>
    public MosquittoBroker? Mosquitto => _mosquitto;

    /// <summary>The gateway's LAN broker for sub-devices (mqtt://address:port).</summary>
    public string BrokerUrl => _brokerUrl ?? throw new InvalidOperationException("not started");

    /// <summary>
    /// Starts an emulated sub-device (Pi.SubDevice.dll onboard) on the LAN side, waiting for the
    /// APP's onboarding; returns it with the end point its search listener has.
    /// </summary>
    public async Task<(RigProcess Process, IPEndPoint Search)> StartOnboardingSubDeviceAsync(string name, string mac, string setupCode, string kind, CancellationToken cancellationToken)
    {
        var address = _network is null ? IPAddress.Loopback : RigNetwork.RouterAddress;
        var (port1, port3) = _network is null ? (FreeUdpPort(), FreeTcpPort()) : (10081, 10083);
        var inv = CultureInfo.InvariantCulture;
        var process = StartSubDevice(name,
        [
            "onboard", "--mac", mac, "--setup-code", setupCode, "--credentials-out", Path.Combine(Root, name + "-creds.json"),
            "--bind", address.ToString(), "--port1", port1.ToString(inv), "--port2", Addresses.AnswerPort.ToString(inv), "--port3", port3.ToString(inv),
            "--kind", kind, "--interval", "1s", "--verbose",
        ]);
        // It listens once its sockets are bound: a search before would be lost (UDP), so wait for its line.
        await process.WaitForLineAsync(l => l.Contains(port1.ToString(inv), StringComparison.Ordinal) || l.Contains("listening", StringComparison.OrdinalIgnoreCase), "its onboarding listener", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return (process, new IPEndPoint(address, port1));
    }

    /// <summary>Starts an emulated sub-device process (Pi.SubDevice.dll) on the LAN side (the APP's namespace).</summary>
    public RigProcess StartSubDevice(string name, IEnumerable<string> arguments)
    {
        var process = RigProcess.StartDotnet(name, _options.Outputs.SubDevice, arguments, Log, _network?.App.Name, Root);
        lock (_extra)
        {
            _extra.Add(process);
        }
        return process;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<RigProcess> extra;
        lock (_extra)
        {
            extra = [.. _extra];
        }
        foreach (var process in extra)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync().ConfigureAwait(false);
        }
        if (_cloud is not null)
        {
            await _cloud.DisposeAsync().ConfigureAwait(false);
        }
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync().ConfigureAwait(false);
        }
        if (_dnsmasq is not null)
        {
            await _dnsmasq.DisposeAsync().ConfigureAwait(false);
        }
        if (_network is not null)
        {
            await _network.DisposeAsync().ConfigureAwait(false);
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Write("rig", $"could not remove {Root}: {e.Message}");
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
