using System.Text.Json.Serialization;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.Protocol.Messages;

/// <summary>A message carried in the data region of a provisioning frame; the frame type says which.</summary>
public abstract record ProvisioningMessage : IProtocolMessage
{
    /// <summary>The frame type that carries this message.</summary>
    [JsonIgnore]
    public ProvisioningFrameType FrameType => this switch
    {
        SearchDevice => ProvisioningFrameType.SearchDevice,
        DeviceInfo => ProvisioningFrameType.DeviceInfo,
        GetSsidList => ProvisioningFrameType.GetSsidList,
        SsidList => ProvisioningFrameType.SsidList,
        WifiCredentials => ProvisioningFrameType.WifiCredentials,
        WifiResult => ProvisioningFrameType.WifiResult,
        RegistrationInfo => ProvisioningFrameType.RegistrationInfo,
        RegistrationAck => ProvisioningFrameType.RegistrationAck,
        ProvisioningError => ProvisioningFrameType.Error,
        SubDeviceInfo => ProvisioningFrameType.SubDeviceInfo,
        SubDeviceAck => ProvisioningFrameType.SubDeviceAck,
        _ => throw new InvalidOperationException($"{GetType().Name} has no frame type"),
    };

    /// <inheritdoc />
    public abstract void Validate();
}

/// <summary>
/// S11/H30: the APP looks for the gateway whose MAC it read from the QR label. <see cref="Random"/>
/// is the nonce the cloud gave the APP at login (embodiment 2), for the binding hash; absent when
/// the APP is not logged in.
/// </summary>
public sealed record SearchDevice(string Mac, byte[]? Random = null) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        Check.Mac(Mac, "mac");
        Check.OptionalBytes(Random, "random", BindingHash.MinNonceSize, BindingHash.MaxNonceSize);
    }
}

/// <summary>
/// S13: the gateway describes itself. <see cref="Hash"/> is the binding hash over the APP's random
/// number (null when the search carried none); <see cref="ResetFlag"/> is true after a factory reset.
/// </summary>
public sealed record DeviceInfo(
    string Ip,
    int TcpPort,
    bool Joined,
    string Mac,
    string Sn,
    string Uuid,
    bool ResetFlag,
    string? Hash = null,
    string? Product = null,
    string? Firmware = null) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        Check.Ip(Ip, "ip");
        Check.Range(TcpPort, "tcpPort", 1, 65535);
        Check.Mac(Mac, "mac");
        Check.Text(Sn, "sn", 1, 64);
        Check.Uuid(Uuid, "uuid");
        if (Hash is not null)
        {
            Check.Hash(Hash, "hash");
        }
        Check.OptionalText(Product, "product", 1, 64);
        Check.OptionalText(Firmware, "firmware", 1, 32);
    }
}

/// <summary>The APP asks for the SSID list; <see cref="Rescan"/> asks for a fresh scan first.</summary>
public sealed record GetSsidList(bool Rescan = false) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
    }
}

/// <summary>Security of a Wi-Fi network, as the gateway's scan reports it.</summary>
[JsonConverter(typeof(StrictEnumConverter<WifiSecurity>))]
public enum WifiSecurity
{
    /// <summary>No encryption.</summary>
    [JsonStringEnumMemberName("open")] Open,
    /// <summary>WEP (obsolete; gateways may refuse to join).</summary>
    [JsonStringEnumMemberName("wep")] Wep,
    /// <summary>WPA with a pre-shared key.</summary>
    [JsonStringEnumMemberName("wpa-psk")] WpaPsk,
    /// <summary>WPA2 with a pre-shared key.</summary>
    [JsonStringEnumMemberName("wpa2-psk")] Wpa2Psk,
    /// <summary>WPA3 personal (SAE).</summary>
    [JsonStringEnumMemberName("wpa3-sae")] Wpa3Sae,
    /// <summary>WPA2/WPA3 transition mode.</summary>
    [JsonStringEnumMemberName("wpa2-wpa3")] Wpa2Wpa3,
    /// <summary>802.1X enterprise (not joinable with a password alone).</summary>
    [JsonStringEnumMemberName("enterprise")] Enterprise,
    /// <summary>Anything else.</summary>
    [JsonStringEnumMemberName("other")] Other,
}

/// <summary>One router the gateway can see. <see cref="Signal"/> is in dBm.</summary>
public sealed record SsidEntry(string Ssid, int Signal, WifiSecurity Security) : IProtocolMessage
{
    /// <summary>Longest SSID in bytes (IEEE 802.11).</summary>
    public const int MaxSsidBytes = 32;

    /// <inheritdoc />
    public void Validate()
    {
        Check.Text(Ssid, "ssid", 1, MaxSsidBytes);
        Check.Range(Signal, "signal", -127, 0);
        Check.Defined(Security, "security");
    }
}

/// <summary>S3/H60: the routers the gateway can reach, strongest first.</summary>
public sealed record SsidList(IReadOnlyList<SsidEntry> Networks) : ProvisioningMessage
{
    /// <summary>Most networks in one list.</summary>
    public const int MaxNetworks = 100;

    /// <inheritdoc />
    public override void Validate()
    {
        Check.Present(Networks, "networks");
        if (Networks.Count > MaxNetworks)
        {
            throw Check.Invalid("networks", $"must hold at most {MaxNetworks} entries");
        }
        foreach (var network in Networks)
        {
            Check.Present(network, "networks[]").Validate();
        }
    }

    /// <summary>Lists compare by content.</summary>
    public bool Equals(SsidList? other) => other is not null && Networks.SequenceEqual(other.Networks);

    /// <inheritdoc />
    public override int GetHashCode() => Networks.Count;
}

/// <summary>S4/H70: the router the user chose and its password (empty for an open network).</summary>
public sealed record WifiCredentials(string Ssid, SecretString Password) : ProvisioningMessage
{
    /// <summary>Longest password in bytes (WPA3-SAE passwords may exceed WPA2's 63).</summary>
    public const int MaxPasswordBytes = 128;

    /// <inheritdoc />
    public override void Validate()
    {
        Check.Text(Ssid, "ssid", 1, SsidEntry.MaxSsidBytes);
        Check.Secret(Password, "password", 0, MaxPasswordBytes);
    }
}

/// <summary>Why joining a router failed.</summary>
[JsonConverter(typeof(StrictEnumConverter<WifiFailure>))]
public enum WifiFailure
{
    /// <summary>The router refused the password (4-way handshake failed).</summary>
    [JsonStringEnumMemberName("wrong_password")] WrongPassword,
    /// <summary>No network with that SSID answered.</summary>
    [JsonStringEnumMemberName("network_not_found")] NetworkNotFound,
    /// <summary>The join did not finish in time.</summary>
    [JsonStringEnumMemberName("timeout")] Timeout,
    /// <summary>Associated, but no IP address was obtained.</summary>
    [JsonStringEnumMemberName("no_ip_address")] NoIpAddress,
    /// <summary>The network's security is not supported by this gateway.</summary>
    [JsonStringEnumMemberName("unsupported_security")] UnsupportedSecurity,
    /// <summary>The radio or its driver failed.</summary>
    [JsonStringEnumMemberName("radio_error")] RadioError,
}

/// <summary>
/// The outcome of joining the router: <see cref="Joined"/> with the gateway's new <see cref="Ip"/>,
/// or a <see cref="Reason"/>.
/// </summary>
public sealed record WifiResult(bool Joined, WifiFailure? Reason = null, string? Ip = null) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        if (Joined == Reason.HasValue)
        {
            throw Check.Invalid("reason", "is required when joined is false and absent when it is true");
        }
        if (Reason is { } reason)
        {
            Check.Defined(reason, "reason");
        }
        Check.OptionalIp(Ip, "ip");
    }
}

/// <summary>
/// S103/H110: what the cloud issued for this gateway, delivered by the APP: account (tid, password),
/// the first key pair (accesskey for the WAN, localkey for the LAN) with its key id, and expiries.
/// <see cref="CloudUrl"/> tells the gateway which cloud the APP registered it with.
/// </summary>
public sealed record RegistrationInfo(
    string Tid,
    SecretString Password,
    SymmetricKey AccessKey,
    SymmetricKey LocalKey,
    uint KeyId,
    DateTimeOffset KeyExpiresAt,
    DateTimeOffset ServiceExpiresAt,
    string? CloudUrl = null) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        Check.Id(Tid, "tid");
        Check.Secret(Password, "password", 16, 128);
        Check.Key(AccessKey, "accessKey");
        Check.Key(LocalKey, "localKey");
        if (AccessKey.Equals(LocalKey))
        {
            throw Check.Invalid("localKey", "must differ from accessKey (the WAN and LAN keys are kept apart)");
        }
        Check.OptionalHttpUrl(CloudUrl, "cloudUrl");
    }
}

/// <summary>S104/H120: the gateway stored the registration info for <see cref="Tid"/>.</summary>
public sealed record RegistrationAck(string Tid) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate() => Check.Id(Tid, "tid");
}

/// <summary>An error during provisioning (for example <see cref="ProtocolErrorCode.Busy"/>).</summary>
public sealed record ProvisioningError(ProtocolErrorCode Code, string Message) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        Check.Defined(Code, "code");
        Check.Text(Message, "message", 0, 512);
    }
}

/// <summary>
/// Sub-device onboarding: what the APP delivers to a sub-device over the same provisioning channel
/// (instead of registrationInfo): its did, its localkey with key id and expiry (from the cloud's
/// registration of the sub-device), and where the gateway's local broker is. <see cref="BrokerFingerprint"/>
/// pins the broker's TLS certificate (lower-case hex SHA-256 of its DER form) for <c>mqtts</c>.
/// </summary>
public sealed record SubDeviceInfo(
    string Did,
    SymmetricKey LocalKey,
    uint KeyId,
    DateTimeOffset KeyExpiresAt,
    string Broker,
    string? BrokerFingerprint = null,
    string? Kind = null) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        Check.Id(Did, "did");
        Check.Key(LocalKey, "localKey");
        Check.Present(Broker, "broker");
        Check.OptionalMqttUrl(Broker, "broker");
        if (BrokerFingerprint is not null)
        {
            Check.Hash(BrokerFingerprint, "brokerFingerprint");
        }
        Check.OptionalText(Kind, "kind", 1, 64);
    }
}

/// <summary>The sub-device stored the <see cref="SubDeviceInfo"/> of <see cref="Did"/> and will connect.</summary>
public sealed record SubDeviceAck(string Did) : ProvisioningMessage
{
    /// <inheritdoc />
    public override void Validate() => Check.Id(Did, "did");
}
