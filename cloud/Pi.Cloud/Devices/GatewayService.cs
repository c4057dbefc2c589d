using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Cloud.Accounts;
using Pi.Cloud.Http;
using Pi.Cloud.Options;
using Pi.Cloud.Sessions;
using Pi.Cloud.Store;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Devices;

/// <summary>
/// Registration (S101-S103: tid, password, first key pair, expiries), binding (seed embodiment 2)
/// and the APP's view of its gateways. Registration and binding both need the binding hash the
/// gateway computed over its verification code and this APP login's nonce, so only an APP that
/// just talked to the device over the sealed provisioning channel can register or bind it.
/// </summary>
public sealed partial class GatewayService
{
    private readonly ICloudStore _store;
    private readonly PasswordHasher _passwords;
    private readonly SessionRegistry _sessions;
    private readonly SessionTerminator _terminator;
    private readonly GatewayPresence _presence;
    private readonly CloudUrls _urls;
    private readonly TimeProvider _time;
    private readonly IOptions<CloudOptions> _options;
    private readonly ILogger<GatewayService> _logger;

    public GatewayService(
        ICloudStore store,
        PasswordHasher passwords,
        SessionRegistry sessions,
        SessionTerminator terminator,
        GatewayPresence presence,
        CloudUrls urls,
        TimeProvider time,
        IOptions<CloudOptions> options,
        ILogger<GatewayService> logger)
    {
        _store = store;
        _passwords = passwords;
        _sessions = sessions;
        _terminator = terminator;
        _presence = presence;
        _urls = urls;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Registers a gateway, or re-registers a known one (after a reset, or to renew its keys): the
    /// answer always carries a NEW password and key pair, and the old ones stop working at once
    /// (a live session under them ends).
    /// </summary>
    public async Task<RegisterGatewayResponse> RegisterAsync(AppCaller caller, RegisterGatewayRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var mac = DeviceIdentity.Mac(request.Mac);
        var uuid = DeviceIdentity.Uuid(request.Uuid);
        var sn = DeviceIdentity.Text(request.Sn, "sn");
        var hash = DeviceIdentity.Hash(request.Hash);
        var product = DeviceIdentity.OptionalText(request.Product, "product");
        var firmware = DeviceIdentity.OptionalText(request.Firmware, "firmware", 32);
        var now = DeviceIdentity.Now(_time);
        var options = _options.Value;

        var factory = await _store.FindFactoryRecordAsync(mac, cancellationToken).ConfigureAwait(false);
        FactoryRecord? learned = null;
        if (factory is null)
        {
            if (options.Verification != VerificationMode.TrustOnFirstRegistration)
            {
                throw new CloudApiException(ProtocolErrorCode.UnknownDevice, "no factory record for this MAC: import the device records first");
            }
            var code = DeviceIdentity.Text(request.VerificationCode, "verificationCode", 128);
            factory = learned = new FactoryRecord(mac, uuid, sn, code, "first-registration", now);
        }
        else if ((factory.Uuid is not null && !string.Equals(factory.Uuid, uuid, StringComparison.Ordinal))
            || (factory.Sn is not null && !string.Equals(factory.Sn, sn, StringComparison.Ordinal)))
        {
            throw new CloudApiException(ProtocolErrorCode.UnknownDevice, "uuid or sn do not match the factory record of this MAC");
        }
        if (!BindingHash.Verify(factory.VerificationCode, caller.Nonce, hash))
        {
            throw new CloudApiException(ProtocolErrorCode.BadHash, "the hash does not match this device and this login's nonce");
        }

        var existing = await _store.FindGatewayByMacAsync(mac, cancellationToken).ConfigureAwait(false);
        var tid = existing?.Tid ?? DeviceIdentity.NewTid();
        var password = DeviceIdentity.NewPassword();
        var deviceInfo = JsonSerializer.Serialize(new DeviceDescription(product, firmware), CloudJsonContext.Default.DeviceDescription);
        var gateway = new GatewayRecord(
            tid, mac, uuid, sn, deviceInfo, _passwords.Hash(password),
            existing?.RegisteredAt ?? now,
            existing?.ServiceExpiresAt ?? now.AddDays(options.Keys.ServiceValidityDays),
            existing?.LastSeenAt);
        var keys = await NewKeyPairAsync(tid, now, KeyPairState.Active, cancellationToken).ConfigureAwait(false);
        await _store.RegisterGatewayAsync(gateway, keys, learned, cancellationToken).ConfigureAwait(false);

        if (existing is not null && _sessions.Find(tid) is { } session)
        {
            await _terminator.EndAsync(session, "re-registered", cancellationToken).ConfigureAwait(false);
        }
        LogRegistered(_logger, tid, caller.UserId, existing is not null);
        return new RegisterGatewayResponse(
            tid, password, Convert.ToBase64String(keys.AccessKey), Convert.ToBase64String(keys.LocalKey), keys.KeyId,
            keys.ExpiresAt, gateway.ServiceExpiresAt, _urls.PublicUrl, existing is not null);
    }

    /// <summary>Binds (tid, hash): the caller becomes the owner unless someone else is.</summary>
    public async Task<BindResponse> BindOwnerAsync(AppCaller caller, string tid, BindRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        tid = DeviceIdentity.Id(tid, "tid");
        var hash = DeviceIdentity.Hash(request.Hash);
        var gateway = await _store.FindGatewayAsync(tid, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudApiException(ProtocolErrorCode.UnknownDevice, "no gateway with this tid");
        var factory = await _store.FindFactoryRecordAsync(gateway.Mac, cancellationToken).ConfigureAwait(false);
        if (factory is null || !BindingHash.Verify(factory.VerificationCode, caller.Nonce, hash))
        {
            throw new CloudApiException(ProtocolErrorCode.BadHash, "the hash does not match this gateway and this login's nonce");
        }
        var (outcome, _) = await _store.BindOwnerAsync(tid, caller.UserId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (outcome == BindOutcome.OwnedByOther)
        {
            throw new CloudApiException(ProtocolErrorCode.AlreadyBound, "the gateway is bound to another user; reset it to unbind");
        }
        LogBound(_logger, tid, caller.UserId, outcome);
        return new BindResponse(tid, true, outcome == BindOutcome.AlreadyOwner);
    }

    /// <summary>The caller's gateways with online state, sub-devices and expiry warnings.</summary>
    public async Task<IReadOnlyList<GatewayView>> ListAsync(AppCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var views = new List<GatewayView>();
        foreach (var gateway in await _store.GetOwnedGatewaysAsync(caller.UserId, cancellationToken).ConfigureAwait(false))
        {
            views.Add(await ViewAsync(gateway, cancellationToken).ConfigureAwait(false));
        }
        return views;
    }

    /// <summary>One gateway the caller owns.</summary>
    public async Task<GatewayView> GetAsync(AppCaller caller, string tid, CancellationToken cancellationToken)
    {
        var gateway = await RequireOwnedAsync(caller, tid, cancellationToken).ConfigureAwait(false);
        return await ViewAsync(gateway, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The gateway, when the caller owns it: unknown_device when there is none, not_owner otherwise.</summary>
    public async Task<GatewayRecord> RequireOwnedAsync(AppCaller caller, string tid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        tid = DeviceIdentity.Id(tid, "tid");
        var gateway = await _store.FindGatewayAsync(tid, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudApiException(ProtocolErrorCode.UnknownDevice, "no gateway with this tid");
        var owner = await _store.FindOwnerAsync(tid, cancellationToken).ConfigureAwait(false);
        if (owner != caller.UserId)
        {
            throw new CloudApiException(ProtocolErrorCode.NotOwner, "you do not own this gateway");
        }
        return gateway;
    }

    /// <summary>A fresh key pair for a device (random keys, a key id it has not used).</summary>
    public async Task<KeyPairRecord> NewKeyPairAsync(string deviceId, DateTimeOffset now, KeyPairState state, CancellationToken cancellationToken)
    {
        uint keyId;
        do
        {
            keyId = DeviceIdentity.NewKeyId();
        }
        while (await _store.FindKeyPairAsync(deviceId, keyId, cancellationToken).ConfigureAwait(false) is not null);
        byte[] access, local;
        do
        {
            access = SymmetricKey.Generate().Bytes.ToArray();
            local = SymmetricKey.Generate().Bytes.ToArray();
        }
        while (access.AsSpan().SequenceEqual(local));
        now = DeviceIdentity.Truncate(now);
        return new KeyPairRecord(deviceId, keyId, access, local, now, now.AddDays(_options.Value.Keys.KeyValidityDays), state);
    }

    private async Task<GatewayView> ViewAsync(GatewayRecord gateway, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var warn = TimeSpan.FromDays(_options.Value.Keys.WarnDays);
        var keys = await _store.GetLiveKeyPairsAsync(gateway.Tid, cancellationToken).ConfigureAwait(false);
        var active = keys.FirstOrDefault(k => k.State == KeyPairState.Active);
        var warnings = new List<GatewayWarning>();
        if (active is not null)
        {
            AddWarning(warnings, "key", active.ExpiresAt, now, warn);
        }
        AddWarning(warnings, "service", gateway.ServiceExpiresAt, now, warn);
        var status = _presence.Get(gateway.Tid);
        var online = status.Online && _sessions.Find(gateway.Tid) is not null;
        var statuses = (await _store.GetSubDeviceStatusesAsync(gateway.Tid, cancellationToken).ConfigureAwait(false))
            .ToDictionary(s => s.Did, StringComparer.Ordinal);
        var cursor = await _store.FindRelayCursorAsync(gateway.Tid, cancellationToken).ConfigureAwait(false);
        var subDevices = (await _store.GetSubDevicesAsync(gateway.Tid, cancellationToken).ConfigureAwait(false))
            .Where(s => s.State != SubDeviceState.Removing)
            .Select(s =>
            {
                // Memory has what arrived since this host started; the store has the rest.
                var stored = statuses.GetValueOrDefault(s.Did);
                var telemetry = _presence.GetTelemetry(s.Did);
                var (telemetryAt, payload) = telemetry is not null && (stored?.TelemetryAt is not { } storedAt || telemetry.ReceivedAt >= storedAt)
                    ? (telemetry.ReceivedAt, telemetry.Payload)
                    : (stored?.TelemetryAt, ParseJson(stored?.TelemetryJson));
                return new SubDeviceView(
                    s.Did, s.Kind, s.Name, s.State == SubDeviceState.Active ? "active" : "pending", s.RegisteredAt,
                    telemetryAt, payload, stored?.Online ?? false, stored?.LastSeenAt);
            })
            .ToList();
        return new GatewayView(
            gateway.Tid, gateway.Mac, gateway.Sn, gateway.Uuid, online, status.LastSeenAt ?? gateway.LastSeenAt,
            active?.KeyId, active?.ExpiresAt, gateway.ServiceExpiresAt, keys.Any(k => k.State == KeyPairState.Pending),
            warnings, subDevices, status.State, cursor?.DroppedTotal ?? 0);
    }

    private static JsonElement? ParseJson(string? json)
    {
        if (json is null)
        {
            return null;
        }
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static void AddWarning(List<GatewayWarning> warnings, string what, DateTimeOffset expiresAt, DateTimeOffset now, TimeSpan warn)
    {
        if (now >= expiresAt)
        {
            warnings.Add(new GatewayWarning($"{what}_expired", expiresAt, what == "key"
                ? "the key pair has expired: re-register the gateway"
                : "the service period has ended"));
        }
        else if (expiresAt - now <= warn)
        {
            var days = Math.Max(0, (int)Math.Ceiling((expiresAt - now).TotalDays));
            warnings.Add(new GatewayWarning($"{what}_expiring", expiresAt, what == "key"
                ? $"the key pair expires in {days} day(s): rotate the keys"
                : $"the service period ends in {days} day(s)"));
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Gateway {Tid} registered by user {UserId} (re-registration: {Again})")]
    private static partial void LogRegistered(ILogger logger, string tid, long userId, bool again);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Gateway {Tid} bound to user {UserId}: {Outcome}")]
    private static partial void LogBound(ILogger logger, string tid, long userId, BindOutcome outcome);
}

/// <summary>What the APP reported about a gateway's product and firmware.</summary>
public sealed record DeviceDescription(string? Product, string? Firmware);
