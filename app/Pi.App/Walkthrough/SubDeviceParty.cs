using System.Globalization;
using System.Text.Json.Nodes;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using static Pi.App.Walkthrough.Parties;

namespace Pi.App.Walkthrough;

/// <summary>A sub-device (a lamp) on the gateway's LAN. It holds its did and localkey, never the sessionkey.</summary>
internal sealed class SubDeviceParty : IDisposable
{
    private readonly Narrator _n;
    private string? _did;
    private SymmetricKey? _localKey;
    private byte[]? _nonce;
    private EnvelopeSealer? _up;
    private EnvelopeOpener? _down;
    private bool _on;

    public SubDeviceParty(Narrator narrator, string kind)
    {
        _n = narrator;
        Kind = kind;
    }

    public string Kind { get; }

    public string Did => _did ?? throw new InvalidOperationException("the sub-device is not provisioned");

    /// <summary>What the APP handed over: did and localkey (the accesskey is for the sub-device's own cloud use).</summary>
    public void ReceiveCredentials(byte[] json)
    {
        var body = Json.Read(json);
        _did = Json.Field(body, "did");
        _localKey = SymmetricKey.Parse(Json.Field(body, "localKey"));
        _n.Says(SubDeviceName, $"stores did {_did} and its localkey");
    }

    /// <summary>S500: after connecting to the local broker, say hello with a fresh nonce.</summary>
    public byte[] Hello()
    {
        _nonce = Fresh.Bytes(KeyDerivation.NonceSize);
        return ProtocolJson.Serialize(new LinkHello(_nonce));
    }

    public void ReceiveWelcome(byte[] json)
    {
        var welcome = ProtocolJson.Deserialize<LinkWelcome>(json);
        _n.Verify(SubDeviceName, "linkWelcome (plain JSON on its own welcome topic)", sealedMessage: false);
        var linkKey = KeyDerivation.DeriveLinkKey(_localKey!, _nonce!, welcome.Nonce, Did);
        _n.Key(SubDeviceName, "link key", linkKey);
        _up = new EnvelopeSealer(linkKey, welcome.KeyId, Direction.SubDeviceToGateway);
        _down = new EnvelopeOpener(linkKey, welcome.KeyId, Direction.GatewayToSubDevice, did: Did);
    }

    /// <summary>Open a command from the gateway, carry it out, answer.</summary>
    public byte[] ReceiveDown(byte[] envelope)
    {
        var down = _down ?? throw new ProtocolException(ProtocolErrorCode.SessionExpired, "no link");
        var (header, message) = down.OpenMessage(envelope);
        _n.Verify(SubDeviceName, string.Create(CultureInfo.InvariantCulture, $"{Json.TypeOf(message)} (counter {header.Counter}) under the link key"));
        var request = message as SessionRequest ?? throw new ProtocolException(ProtocolErrorCode.UnexpectedMessage, "a lamp only takes requests");
        _on = request.Args?.GetProperty("on").GetBoolean() ?? !_on;
        _n.Says(SubDeviceName, $"runs \"{request.Command}\": the lamp is now {(_on ? "on" : "off")}");
        var response = new SessionResponse(request.Txn, true, Json.Element(new JsonObject { ["on"] = _on }.ToJsonString()));
        _n.Value(SubDeviceName, "plaintext", Json.Of(response));
        return _up!.Seal(response, tid: null, did: Did);
    }

    public void Dispose()
    {
        _up?.Dispose();
        _down?.Dispose();
    }
}
