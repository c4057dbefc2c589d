using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;
using static Pi.App.Walkthrough.Parties;

namespace Pi.App.Walkthrough;

/// <summary>
/// The cloud: device registry, registration (S102), binding, login (S301-S401) and sessions
/// (S402-S403). It never sees an agreekey, a setup code or a link key.
/// </summary>
internal sealed class CloudParty : IDisposable
{
    private readonly Narrator _n;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly Dictionary<string, FactoryRecord> _registry = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _challenges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _appNonces = new(StringComparer.Ordinal);

    public CloudParty(Narrator narrator) => _n = narrator;

    /// <summary>The maker's registry entry for a gateway.</summary>
    public void AddToRegistry(FactoryRecord record) => _registry[record.Mac] = record;

    /// <summary>Embodiment 2: the APP logs in with its own identity; the cloud keeps a random number in that session.</summary>
    public byte[] AppLogin(string user)
    {
        var nonce = Fresh.Bytes(BindingHash.MinNonceSize);
        _appNonces[user] = nonce;
        return Json.Body(new JsonObject { ["user"] = user, ["random"] = Convert.ToBase64String(nonce) });
    }

    /// <summary>S102/H100: register the gateway the APP describes and allocate its first key pair.</summary>
    public byte[] RegisterGateway(string user, byte[] json)
    {
        var device = (DeviceInfo)ProtocolJson.DeserializeProvisioning(ProvisioningFrameType.DeviceInfo, json);
        _n.Verify(CloudName, $"registration request from {user} (over TLS)", sealedMessage: false);
        if (!_registry.TryGetValue(device.Mac, out var record) || record.Sn != device.Sn || record.Uuid != device.Uuid)
        {
            throw new ProtocolException(ProtocolErrorCode.UnknownDevice, "no gateway with this mac, sn and uuid was made");
        }
        _n.Says(CloudName, "mac, sn and uuid match the maker's registry");
        var now = _time.GetUtcNow();
        var account = new Account(
            record,
            "gw" + Fresh.Hex(6),
            new SecretString(Fresh.Secret(18)),
            SymmetricKey.Generate(),
            SymmetricKey.Generate(),
            Fresh.KeyId());
        _accounts[account.Tid] = account;
        var registration = new RegistrationInfo(account.Tid, account.Password, account.AccessKey, account.LocalKey, account.KeyId, now.AddYears(1), now.AddYears(2));
        _n.Value(CloudName, "tid", account.Tid);
        _n.Key(CloudName, "accesskey", account.AccessKey);
        _n.Key(CloudName, "localkey", account.LocalKey);
        _n.Why("accesskey is the WAN key (only for logging in), localkey the LAN key: two random keys, kept apart");
        _n.Value(CloudName, "expiry", $"keys {registration.KeyExpiresAt:yyyy-MM-dd} (one year), service {registration.ServiceExpiresAt:yyyy-MM-dd} (two years)");
        return ProtocolJson.Serialize(registration);
    }

    /// <summary>Embodiment 2: bind the gateway to the user if the hash proves the APP just talked to it.</summary>
    public byte[] Bind(string user, byte[] json)
    {
        var body = Json.Read(json);
        var tid = Json.Field(body, "tid");
        _n.Verify(CloudName, $"bind request from {user} (over TLS)", sealedMessage: false);
        var account = _accounts.TryGetValue(tid, out var found) ? found : throw new ProtocolException(ProtocolErrorCode.UnknownDevice, "no such tid");
        if (!_appNonces.TryGetValue(user, out var nonce) || !BindingHash.Verify(account.Record.VerificationCode, nonce, Json.Field(body, "hash")))
        {
            throw new ProtocolException(ProtocolErrorCode.BadHash, "the hash does not match this gateway and this login's random number");
        }
        _n.Says(CloudName, "the hash matches SHA-256(label, the gateway's verification code, the random number of this APP login)");
        if (account.Owner is not null && account.Owner != user)
        {
            throw new ProtocolException(ProtocolErrorCode.AlreadyBound, "the gateway is bound to another user");
        }
        account.Owner = user;
        _n.Says(CloudName, $"the gateway was not bound: {user} becomes its owner");
        return Json.Body(new JsonObject { ["tid"] = tid, ["result"] = "bound", ["owner"] = user });
    }

    /// <summary>S200: a single-use challenge for one login.</summary>
    public byte[] IssueChallenge(byte[] json)
    {
        var request = ProtocolJson.Deserialize<LoginChallengeRequest>(json);
        _n.Verify(CloudName, "loginChallengeRequest (over TLS)", sealedMessage: false);
        var challenge = Fresh.Bytes(KeyDerivation.NonceSize);
        _challenges[request.Tid] = challenge;
        return ProtocolJson.Serialize(new LoginChallenge(request.Tid, challenge, _time.GetUtcNow().AddMinutes(1)));
    }

    /// <summary>S301-S302 and S401: find the accesskey, authenticate, answer with a new sessionkey.</summary>
    public byte[] Login(byte[] envelope)
    {
        var header = CloudLogin.ReadRequestHeader(envelope);
        _n.Says(CloudName, string.Create(CultureInfo.InvariantCulture, $"reads the header without opening it: tid {header.Tid}, key id {header.KeyId}"));
        if (!_accounts.TryGetValue(header.Tid!, out var account) || account.KeyId != header.KeyId)
        {
            throw new ProtocolException(ProtocolErrorCode.UnknownDevice, "no accesskey for this tid and key id");
        }
        _n.Says(CloudName, "S301: finds that gateway's accesskey");
        if (!_challenges.Remove(account.Tid, out var challenge))
        {
            throw new ProtocolException(ProtocolErrorCode.SessionExpired, "no challenge is open for this tid");
        }
        var request = CloudLogin.OpenRequest(envelope, account.Tid, account.AccessKey, account.KeyId, challenge);
        _n.Verify(CloudName, "loginRequest under the loginkey (accesskey + this challenge)");
        if (!request.Password.Equals(account.Password))
        {
            throw new ProtocolException(ProtocolErrorCode.BadCredentials, "account and password do not match");
        }
        _n.Says(CloudName, "S302: account and password authenticate");

        var now = _time.GetUtcNow();
        var sessionKey = SymmetricKey.Generate();
        var reply = new LoginReply(Fresh.KeyId(), sessionKey, new SecretString(Fresh.Secret(24)), now.AddHours(24), now.AddYears(1), now.AddYears(2));
        if (_sessions.Remove(account.Tid, out var previous))
        {
            _n.Says(CloudName, string.Create(CultureInfo.InvariantCulture, $"replaces the previous session (key id {previous.KeyId}): its sessionkey is invalid from now on"));
            previous.Dispose();
        }
        _sessions[account.Tid] = new Session(account.Tid, reply.SessionKeyId, sessionKey);
        _n.Key(CloudName, "sessionkey", sessionKey);
        _n.Value(CloudName, "key id", reply.SessionKeyId.ToString(CultureInfo.InvariantCulture));
        _n.Value(CloudName, "plaintext", Json.OfLogin(reply));
        return CloudLogin.SealReply(reply, account.Tid, account.AccessKey, account.KeyId, challenge);
    }

    /// <summary>S402: a command for the gateway or one of its sub-devices, sealed with the sessionkey.</summary>
    public byte[] SendRequest(string tid, string command, string? did, string argsJson) =>
        Down(tid, new SessionRequest(Fresh.Txn(), command, did, Json.Element(argsJson)));

    /// <summary>S500: the APP registers a sub-device under its gateway; the cloud tells the gateway.</summary>
    public (byte[] ForApp, byte[] ForGateway) RegisterSubDevice(string user, byte[] json)
    {
        var body = Json.Read(json);
        var tid = Json.Field(body, "tid");
        _n.Verify(CloudName, $"sub-device registration from {user} (over TLS)", sealedMessage: false);
        var account = _accounts.TryGetValue(tid, out var found) && found.Owner == user ? found : throw new ProtocolException(ProtocolErrorCode.NotOwner, "only the owner adds sub-devices");
        var did = "sd" + Fresh.Hex(6);
        var accessKey = SymmetricKey.Generate();
        var localKey = SymmetricKey.Generate();
        var keyId = Fresh.KeyId();
        var keyExpiry = _time.GetUtcNow().AddYears(1);
        account.SubDevices.Add(did);
        _n.Value(CloudName, "did", did);
        _n.Key(CloudName, "localkey", localKey);
        var forApp = Json.Body(new JsonObject
        {
            ["did"] = did,
            ["kind"] = Json.Field(body, "kind"),
            ["accessKey"] = accessKey.ToBase64(),
            ["localKey"] = localKey.ToBase64(),
            ["keyId"] = keyId,
        });
        return (forApp, Down(tid, new SubDeviceAdded(Fresh.Txn(), did, accessKey, localKey, keyId, keyExpiry, Json.Field(body, "kind"))));
    }

    /// <summary>S402: open a packet from a gateway with the sessionkey of its current session.</summary>
    /// <returns>The cloud's answer, or null.</returns>
    public byte[]? ReceiveUp(byte[] envelope)
    {
        var header = SessionEnvelope.ReadHeader(envelope);
        var session = header.Tid is not null && _sessions.TryGetValue(header.Tid, out var found)
            ? found
            : throw new ProtocolException(ProtocolErrorCode.SessionExpired, "no session for this tid: it logged out, so its sessionkey is gone");
        var (_, message) = session.Opener.OpenMessage(envelope);
        _n.Verify(CloudName, string.Create(CultureInfo.InvariantCulture, $"{Json.TypeOf(message)} (counter {header.Counter}{(header.Did is null ? string.Empty : ", from " + header.Did)}) under the sessionkey"));
        switch (message)
        {
            case SessionResponse response:
                _n.Says(CloudName, $"transaction {response.Txn} done: ok={Json.Bool(response.Ok)}; the APP is told");
                return null;
            case Ack ack:
                _n.Says(CloudName, $"transaction {ack.Txn} acknowledged");
                return null;
            case ResetUnbind reset:
                var account = _accounts[session.Tid];
                var removed = account.Owner is null ? 0 : 1;
                account.Owner = null;
                _n.Says(CloudName, $"removes every binding of {session.Tid} ({removed})");
                return Down(session.Tid, new ResetUnbindResult(reset.Txn, removed));
            case Logout logout:
                var answer = Down(session.Tid, new Ack(logout.Txn));
                _sessions.Remove(session.Tid);
                session.Dispose();
                _n.Says(CloudName, string.Create(CultureInfo.InvariantCulture, $"S403: invalidates the sessionkey of key id {session.KeyId} (sealer and opener disposed)"));
                return answer;
            default:
                throw new ProtocolException(ProtocolErrorCode.UnexpectedMessage, $"the cloud does not expect {Json.TypeOf(message)}");
        }
    }

    private byte[] Down(string tid, SessionMessage message)
    {
        var session = _sessions.TryGetValue(tid, out var found) ? found : throw new ProtocolException(ProtocolErrorCode.Offline, "the gateway has no session");
        _n.Value(CloudName, "plaintext", Json.Of(message));
        return session.Sealer.Seal(message, tid);
    }

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }
        _sessions.Clear();
        foreach (var challenge in _challenges.Values)
        {
            CryptographicOperations.ZeroMemory(challenge);
        }
    }

    private sealed class Account(FactoryRecord record, string tid, SecretString password, SymmetricKey accessKey, SymmetricKey localKey, uint keyId)
    {
        public FactoryRecord Record { get; } = record;
        public string Tid { get; } = tid;
        public SecretString Password { get; } = password;
        public SymmetricKey AccessKey { get; } = accessKey;
        public SymmetricKey LocalKey { get; } = localKey;
        public uint KeyId { get; } = keyId;
        public string? Owner { get; set; }
        public List<string> SubDevices { get; } = [];
    }

    private sealed class Session(string tid, uint keyId, SymmetricKey key) : IDisposable
    {
        public string Tid { get; } = tid;
        public uint KeyId { get; } = keyId;
        public EnvelopeSealer Sealer { get; } = new(key, keyId, Direction.CloudToGateway);
        public EnvelopeOpener Opener { get; } = new(key, keyId, Direction.GatewayToCloud, tid: tid);

        public void Dispose()
        {
            Sealer.Dispose();
            Opener.Dispose();
        }
    }
}
