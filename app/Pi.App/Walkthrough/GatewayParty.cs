using Pi.App.Io;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;
using static Pi.App.Walkthrough.Parties;

namespace Pi.App.Walkthrough;

/// <summary>
/// The gateway: its factory identity and provisioning (S12-S104) as docs/protocol.md section 5 lays
/// it out; its cloud session and sub-device link are in the other part of this class. It holds only
/// what a real gateway holds.
/// </summary>
internal sealed partial class GatewayParty : IDisposable
{
    public const string Brand = "Pi";
    public const string Category = "Gateway";

    private readonly Narrator _n;
    private readonly string _mac;
    private readonly string _sn;
    private readonly string _uuid;
    private readonly string _verificationCode;
    private readonly SetupCode _setupCode;
    // One searchkey channel per APP public key, so a repeated or replayed search is caught by its window.
    private readonly Dictionary<string, ProvisioningChannel> _searches = new(StringComparer.Ordinal);
    // Answered searches waiting for the APP's TCP connection, keyed by the gateway public key.
    private readonly Dictionary<string, PendingSession> _pending = new(StringComparer.Ordinal);
    private PendingSession? _connection;
    private StreamFrameDecoder? _decoder;
    private RegistrationInfo? _registration;
    private string? _routerSsid;
    private string? _routerIp;

    private GatewayParty(Narrator narrator, string mac, string sn, string uuid, string verificationCode, SetupCode setupCode)
    {
        _n = narrator;
        _mac = mac;
        _sn = sn;
        _uuid = uuid;
        _verificationCode = verificationCode;
        _setupCode = setupCode;
    }

    /// <summary>The factory makes a gateway, prints its label and gives the cloud's registry its record.</summary>
    public static GatewayParty Manufacture(Narrator narrator, out GatewayLabel label, out FactoryRecord record)
    {
        var gateway = new GatewayParty(narrator, Fresh.Mac(), Fresh.Hex(8), Guid.NewGuid().ToString("D"), Fresh.Secret(12), SetupCode.Generate());
        label = new GatewayLabel(gateway._mac, gateway._setupCode.ToDisplayString());
        record = new FactoryRecord(gateway._mac, gateway._sn, gateway._uuid, gateway._verificationCode);
        narrator.Value(GatewayName, "mac", gateway._mac);
        narrator.Value(GatewayName, "sn, uuid", $"{gateway._sn}, {gateway._uuid}");
        narrator.Value(GatewayName, "verif. code", $"{gateway._verificationCode} (secret it shares with the cloud's registry)");
        narrator.Value(GatewayName, "setup code", $"{label.SetupCode} ({SetupCode.EntropyBits} random bits; only on the QR label and in the gateway)");
        return gateway;
    }

    /// <summary>H20: the softAP's SSID, brand_category_last 3 bytes of the MAC (embodiment 2).</summary>
    public string SoftApSsid => $"{Brand}_{Category}_{_mac[^8..].Replace(":", string.Empty, StringComparison.Ordinal)}";

    /// <summary>S12/H4 and S13: open the search, make a key pair for it, answer with deviceInfo.</summary>
    public byte[] ReceiveSearch(byte[] datagram)
    {
        var frame = ProvisioningFrame.Parse(datagram);
        var appPublicKey = frame.PublicKey.ToArray();
        var secret = ProvisioningSecret.FromSetupCode(_setupCode);
        var known = _searches.TryGetValue(Convert.ToHexString(appPublicKey), out var searchChannel);
        if (!known)
        {
            _n.Bytes(GatewayName, "public key 1", appPublicKey);
            var searchKey = KeyDerivation.DeriveSearchKey(appPublicKey, secret);
            _n.Key(GatewayName, "searchkey", searchKey);
            searchChannel = new ProvisioningChannel(searchKey, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false);
            _searches[Convert.ToHexString(appPublicKey)] = searchChannel;
        }
        var search = (SearchDevice)searchChannel!.Open(frame);
        _n.Verify(GatewayName, $"searchDevice for {search.Mac} (sequence {frame.Sequence}): its own MAC{(known ? "; same APP key, same searchkey and replay window as before" : string.Empty)}");
        if (!string.Equals(search.Mac, _mac, StringComparison.Ordinal))
        {
            throw new ProtocolException(ProtocolErrorCode.UnknownDevice, "the search is for another gateway");
        }

        // Rule 1 of docs/protocol.md section 5: a new third key pair for every answered search.
        var keyPair = EphemeralKeyPair.Generate();
        _n.Bytes(GatewayName, "public key 2", keyPair.PublicKey);
        _n.Says(GatewayName, "made a new key pair for this search; private key 2 never leaves the gateway");
        var agreeKey = KeyDerivation.DeriveAgreeKey(keyPair, ProvisioningRole.Gateway, appPublicKey, secret);
        _n.Key(GatewayName, "agreekey", agreeKey);
        var session = new PendingSession(
            keyPair,
            new ProvisioningChannel(agreeKey, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false),
            new ProvisioningChannel(agreeKey, ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: false));
        _pending[Convert.ToHexString(keyPair.PublicKey)] = session;

        var hash = search.Random is { } random ? BindingHash.Compute(_verificationCode, random) : null;
        _n.Value(GatewayName, "binding hash", $"{hash} = SHA-256(label, verification code, random)");
        var joined = _routerIp is not null;
        var info = new DeviceInfo(joined ? _routerIp! : Network.SoftApAddress, ProvisioningDefaults.SessionPort, joined, _mac, _sn, _uuid, ResetFlag: true, hash, Product: "pi-gateway");
        _n.Value(GatewayName, "plaintext", Json.Of(info));
        return session.Datagrams.Seal(info, keyPair.PublicKey);
    }

    /// <summary>The APP opened a TCP connection to port3.</summary>
    public void AcceptConnection()
    {
        _decoder = new StreamFrameDecoder();
        _connection = null;
    }

    /// <summary>S3-S104 on the TCP stream: answer getSsidList, wifiCredentials and registrationInfo.</summary>
    public byte[] ReceiveStream(byte[] bytes)
    {
        var frame = (_decoder ?? throw new InvalidOperationException("no connection")).Push(bytes).Single();
        if (_connection is null)
        {
            // Rule 3: the first frame carries the gateway public key of the search it follows up.
            if (!_pending.Remove(Convert.ToHexString(frame.PublicKey), out var session))
            {
                throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, "no pending search for this public key: connection closed");
            }
            _n.Says(GatewayName, "the first frame carries public key 2 of a pending search: that search's agreekey serves this connection, and only it");
            _connection = session;
        }
        var message = _connection.Stream.Open(frame);
        _n.Verify(GatewayName, $"{WireText.Name(frame.Type)} (sequence {frame.Sequence})");
        ProvisioningMessage reply = message switch
        {
            GetSsidList => Scan(),
            WifiCredentials credentials => Join(credentials),
            RegistrationInfo registration => Store(registration),
            _ => throw new ProtocolException(ProtocolErrorCode.UnexpectedMessage, $"the gateway does not expect {WireText.Name(frame.Type)} here"),
        };
        _n.Value(GatewayName, "plaintext", Json.Of(reply));
        return _connection.Stream.Seal(reply);
    }

    /// <summary>The TCP connection closed: its agreekey and key pair are gone for good.</summary>
    public void CloseConnection()
    {
        _connection?.Dispose();
        _connection = null;
        _decoder = null;
    }

    private SsidList Scan()
    {
        _n.Says(GatewayName, "lists the Wi-Fi hotspots it can reach (scanned before its softAP started)");
        return new SsidList(
        [
            new($"Home-{Fresh.Hex(2).ToUpperInvariant()}", Fresh.Between(-60, -35), WifiSecurity.Wpa2Psk),
            new($"Neighbour-{Fresh.Hex(2).ToUpperInvariant()}", Fresh.Between(-80, -61), WifiSecurity.Wpa3Sae),
            new($"Cafe-{Fresh.Hex(2).ToUpperInvariant()}", Fresh.Between(-95, -81), WifiSecurity.Open),
        ]);
    }

    private WifiResult Join(WifiCredentials credentials)
    {
        _routerSsid = credentials.Ssid;
        _routerIp = $"192.168.1.{Fresh.Between(2, 250)}";
        _n.Says(GatewayName, $"joins \"{credentials.Ssid}\" with the password it was given ({credentials.Password.Length} characters); the router leases it {_routerIp}");
        return new WifiResult(true, Ip: _routerIp);
    }

    private RegistrationAck Store(RegistrationInfo registration)
    {
        _registration = registration;
        _n.Says(GatewayName, $"stores tid {registration.Tid}, its password, accesskey, localkey and key id {registration.KeyId} (data directory, mode 0600)");
        return new RegistrationAck(registration.Tid);
    }

    public void Dispose()
    {
        CloseConnection();
        foreach (var session in _pending.Values)
        {
            session.Dispose();
        }
        foreach (var channel in _searches.Values)
        {
            channel.Dispose();
        }
        DisposeSession();
        DisposeLink();
    }

    /// <summary>An answered search: the key pair made for it and the channels under its agreekey.</summary>
    private sealed class PendingSession(EphemeralKeyPair keyPair, ProvisioningChannel datagrams, ProvisioningChannel stream) : IDisposable
    {
        public ProvisioningChannel Datagrams { get; } = datagrams;

        public ProvisioningChannel Stream { get; } = stream;

        public void Dispose()
        {
            keyPair.Dispose();
            Datagrams.Dispose();
            Stream.Dispose();
        }
    }
}
