using System.Globalization;
using System.Text.Json.Nodes;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;
using static Pi.App.Walkthrough.Parties;

namespace Pi.App.Walkthrough;

/// <summary>Where a packet the gateway produced goes next.</summary>
internal sealed record Outgoing(string To, byte[] Bytes);

/// <summary>The gateway's login, cloud session (S200-S403) and sub-device link (S500).</summary>
internal sealed partial class GatewayParty
{
    private GatewayLogin? _login;
    private EnvelopeSealer? _up;
    private EnvelopeOpener? _down;
    private SubDeviceAdded? _subDevice;
    private EnvelopeSealer? _linkDown;
    private EnvelopeOpener? _linkUp;
    private bool _resetting;

    private RegistrationInfo Registration => _registration ?? throw new InvalidOperationException("the gateway is not registered");

    /// <summary>S200: ask for a login challenge (plain JSON over HTTPS).</summary>
    public byte[] RequestChallenge() => ProtocolJson.Serialize(new LoginChallengeRequest(Registration.Tid));

    /// <summary>S200/H130: seal tid and password under the loginkey of this challenge.</summary>
    public byte[] ReceiveChallenge(byte[] json)
    {
        var challenge = ProtocolJson.Deserialize<LoginChallenge>(json);
        _n.Verify(GatewayName, "loginChallenge (over TLS)", sealedMessage: false);
        var registration = Registration;
        _n.Key(GatewayName, "loginkey", KeyDerivation.DeriveLoginKey(registration.AccessKey, challenge.Challenge, registration.Tid));
        _n.Why("loginkey = HKDF-SHA256(accesskey, salt = challenge, \"pi-gateway/v2 loginkey\" || tid): new for every login");
        _n.Value(GatewayName, "plaintext", Json.OfLogin(new LoginRequest(registration.Tid, registration.Password, challenge.Challenge)));
        _login?.Dispose();
        _login = new GatewayLogin(registration.Tid, registration.Password, registration.AccessKey, registration.KeyId, challenge);
        return _login.SealRequest();
    }

    /// <summary>S401/H150: open the reply and keep the new sessionkey for this session only.</summary>
    public void ReceiveLoginReply(byte[] envelope)
    {
        var login = _login ?? throw new InvalidOperationException("no login in progress");
        var reply = login.OpenReply(envelope);
        _n.Verify(GatewayName, "loginReply");
        login.Dispose();
        _login = null;
        if (_up is not null)
        {
            _n.Says(GatewayName, "discards the previous session's sealer and opener");
            DisposeSession();
        }
        _n.Key(GatewayName, "sessionkey", reply.SessionKey);
        _n.Value(GatewayName, "key id", reply.SessionKeyId.ToString(CultureInfo.InvariantCulture));
        _up = new EnvelopeSealer(reply.SessionKey, reply.SessionKeyId, Direction.GatewayToCloud);
        _down = new EnvelopeOpener(reply.SessionKey, reply.SessionKeyId, Direction.CloudToGateway, tid: Registration.Tid);
    }

    /// <summary>S402/H160: open a packet from the cloud and act on it.</summary>
    /// <returns>The packet it sends in answer, or null.</returns>
    public Outgoing? ReceiveDown(byte[] envelope)
    {
        var down = _down ?? throw new ProtocolException(ProtocolErrorCode.SessionExpired, "the gateway has no session");
        var (header, message) = down.OpenMessage(envelope);
        _n.Verify(GatewayName, string.Create(CultureInfo.InvariantCulture, $"{Json.TypeOf(message)} (counter {header.Counter}) under the sessionkey"));
        switch (message)
        {
            case SessionRequest { Did: null } request:
                _n.Says(GatewayName, $"runs \"{request.Command}\": blinks its status LED");
                return Up(new SessionResponse(request.Txn, true, Json.Element(new JsonObject { ["led"] = "blinking", ["wifi"] = _routerSsid }.ToJsonString())));
            case SessionRequest request:
                return ForwardToSubDevice(request);
            case SubDeviceAdded added:
                _subDevice = added;
                _n.Says(GatewayName, $"adds sub-device {added.Did} with its localkey (key id {added.KeyId}); its LAN traffic will use that key, never the sessionkey");
                return Up(new Ack(added.Txn));
            case ResetUnbindResult result:
                _resetting = true;
                _n.Says(GatewayName, $"the cloud removed {result.RemovedBindings} binding(s); next: log out, wipe, back to softAP");
                return null;
            case Ack:
                _n.Says(GatewayName, "logout acknowledged: discards the sessionkey (sealer and opener disposed)");
                DisposeSession();
                if (_resetting)
                {
                    _registration = null;
                    _subDevice = null;
                    DisposeLink();
                    _n.Says(GatewayName, $"wipes its registration and sub-device keys, sets resetFlag and starts its softAP \"{SoftApSsid}\" again (H20)");
                }
                return null;
            default:
                throw new ProtocolException(ProtocolErrorCode.UnexpectedMessage, $"the gateway does not expect {Json.TypeOf(message)}");
        }
    }

    /// <summary>Reset pressed by hand (embodiment 2): ask the cloud to remove every binding.</summary>
    public byte[] ResetPressed()
    {
        _n.Says(GatewayName, "the reset button was held; the cloud is reachable, so it asks for reset-unbind first");
        return Up(new ResetUnbind(Fresh.Txn())).Bytes;
    }

    /// <summary>S403: log out.</summary>
    public byte[] LogOut() => Up(new Logout(Fresh.Txn())).Bytes;

    /// <summary>S500: a sub-device said hello on its topic; answer with a nonce and a link key id.</summary>
    public byte[] ReceiveHello(string did, byte[] json)
    {
        var subDevice = _subDevice is { } known && string.Equals(known.Did, did, StringComparison.Ordinal)
            ? known
            : throw new ProtocolException(ProtocolErrorCode.UnknownDevice, "the cloud never announced this did");
        var hello = ProtocolJson.Deserialize<LinkHello>(json);
        _n.Verify(GatewayName, "linkHello (plain JSON on the local broker; the did's topic is ACL-protected)", sealedMessage: false);
        var welcome = new LinkWelcome(Fresh.Bytes(KeyDerivation.NonceSize), Fresh.KeyId());
        var linkKey = KeyDerivation.DeriveLinkKey(subDevice.LocalKey, hello.Nonce, welcome.Nonce, did);
        _n.Key(GatewayName, "link key", linkKey);
        _n.Why("link key = HKDF-SHA256(localkey, salt = both nonces, \"pi-gateway/v2 linkkey\" || did): new for every connection");
        DisposeLink();
        _linkDown = new EnvelopeSealer(linkKey, welcome.KeyId, Direction.GatewayToSubDevice);
        _linkUp = new EnvelopeOpener(linkKey, welcome.KeyId, Direction.SubDeviceToGateway, did: did);
        return ProtocolJson.Serialize(welcome);
    }

    /// <summary>S500: open a sub-device's packet with the link key and reseal it for the cloud.</summary>
    public byte[] ReceiveFromSubDevice(byte[] envelope)
    {
        var linkUp = _linkUp ?? throw new ProtocolException(ProtocolErrorCode.SessionExpired, "no link with this sub-device");
        var (header, message) = linkUp.OpenMessage(envelope);
        _n.Verify(GatewayName, string.Create(CultureInfo.InvariantCulture, $"{Json.TypeOf(message)} from {header.Did} under the link key"));
        _n.Says(GatewayName, "reseals it under the sessionkey for the cloud (nothing crosses legs unopened)");
        return Up(message, header.Did).Bytes;
    }

    private Outgoing ForwardToSubDevice(SessionRequest request)
    {
        var linkDown = _linkDown ?? throw new ProtocolException(ProtocolErrorCode.Offline, "the sub-device is not connected");
        _n.Says(GatewayName, $"the request is for {request.Did}: reseals it under that sub-device's link key");
        return new Outgoing(SubDeviceName, linkDown.Seal(request, tid: null, did: request.Did));
    }

    private Outgoing Up(SessionMessage message, string? did = null)
    {
        var up = _up ?? throw new ProtocolException(ProtocolErrorCode.SessionExpired, "the gateway has no session");
        _n.Value(GatewayName, "plaintext", Json.Of(message));
        return new Outgoing(CloudName, up.Seal(message, Registration.Tid, did));
    }

    private void DisposeSession()
    {
        _up?.Dispose();
        _down?.Dispose();
        _up = null;
        _down = null;
    }

    private void DisposeLink()
    {
        _linkDown?.Dispose();
        _linkUp?.Dispose();
        _linkDown = null;
        _linkUp = null;
    }
}
