using Pi.Gateway.Identity;
using Pi.Protocol;
using Pi.Protocol.Crypto;
using Pi.Protocol.Labels;

namespace Pi.Gateway.State;

/// <summary>
/// What a stored record must satisfy, checked before writing and after reading. A failure names the
/// field and the rule, never the value. The rules guard the files' integrity; the protocol's own
/// rules (a password's minimum length, say) are the messages' business.
/// </summary>
internal static class StateRules
{
    public const int MaxPasswordLength = 256;
    public const int MaxUrlLength = 2048;
    public const int MaxKindLength = 64;

    /// <summary>Null when valid, else what is wrong.</summary>
    public static string? Check(GatewayIdentity identity)
    {
        if (!Guid.TryParseExact(identity.Uuid, "D", out _))
        {
            return "'uuid' must be a UUID written xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
        }
        if (!IdentityFactory.IsValidSerialNumber(identity.Sn))
        {
            return $"'sn' must be 1 to {IdentityFactory.MaxSerialNumberLength} printable ASCII characters without spaces";
        }
        if (!DeviceMac.TryNormalize(identity.Mac, out var mac) || mac != identity.Mac)
        {
            return "'mac' must be a unicast MAC written AA:BB:CC:DD:EE:FF";
        }
        if (!VerificationCode.IsValid(identity.VerificationCode))
        {
            return $"'verificationCode' must be 1 to {VerificationCode.MaxLength} printable ASCII characters without spaces";
        }
        return identity.SetupCode is null ? "'setupCode' is required" : null;
    }

    /// <summary>Null when valid, else what is wrong.</summary>
    public static string? Check(GatewayRegistration registration)
    {
        if (!Identifiers.IsValid(registration.Tid.AsSpan()))
        {
            return $"'tid' must be 1 to {Identifiers.MaxLength} characters of [A-Za-z0-9_-]";
        }
        if (registration.Password is null || !IsText(registration.Password.Reveal(), MaxPasswordLength))
        {
            return $"'password' must be 1 to {MaxPasswordLength} characters without control characters";
        }
        if (registration.AccessKey is null || registration.LocalKey is null)
        {
            return "'accessKey' and 'localKey' are required";
        }
        if (registration.CloudUrl is null || registration.CloudUrl.Length > MaxUrlLength
            || !Uri.TryCreate(registration.CloudUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return "'cloudUrl' must be an absolute http or https URL";
        }
        if (registration.PendingKeys is { } pending && (pending.AccessKey is null || pending.LocalKey is null))
        {
            return "'pendingKeys' needs 'accessKey' and 'localKey'";
        }
        return null;
    }

    /// <summary>Null when valid, else what is wrong.</summary>
    public static string? Check(IReadOnlyList<SubDeviceCredentials> subDevices)
    {
        var dids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < subDevices.Count; i++)
        {
            var subDevice = subDevices[i];
            if (subDevice is null)
            {
                return $"'subDevices[{i}]' is null";
            }
            if (!Identifiers.IsValid(subDevice.Did.AsSpan()))
            {
                return $"'subDevices[{i}].did' must be 1 to {Identifiers.MaxLength} characters of [A-Za-z0-9_-]";
            }
            if (!dids.Add(subDevice.Did))
            {
                return $"'subDevices[{i}].did' repeats an earlier sub-device";
            }
            if (subDevice.AccessKey is null || subDevice.LocalKey is null)
            {
                return $"'subDevices[{i}]' needs 'accessKey' and 'localKey'";
            }
            if (subDevice.Kind is not null && !IsText(subDevice.Kind, MaxKindLength))
            {
                return $"'subDevices[{i}].kind' must be 1 to {MaxKindLength} characters without control characters";
            }
        }
        return null;
    }

    public static GatewayIdentity ToIdentity(IdentityFile file) =>
        new(file.Uuid, file.Sn, file.Mac, file.VerificationCode, file.SetupCode, file.CreatedAt);

    public static IdentityFile ToFile(GatewayIdentity identity) =>
        new(StateFormat.Version, identity.Uuid, identity.Sn, identity.Mac, identity.VerificationCode, identity.SetupCode, identity.CreatedAt);

    public static GatewayRegistration ToRegistration(RegistrationFile file) =>
        new(file.Tid, file.Password, file.AccessKey, file.LocalKey, file.KeyId, file.KeyExpiresAt, file.ServiceExpiresAt, file.CloudUrl, file.RegisteredAt,
            file.PendingKeys is { } p ? new RotatedKeys(p.KeyId, p.AccessKey, p.LocalKey, p.KeyExpiresAt) : null);

    public static RegistrationFile ToFile(GatewayRegistration r) =>
        new(StateFormat.Version, r.Tid, r.Password, r.AccessKey, r.LocalKey, r.KeyId, r.KeyExpiresAt, r.ServiceExpiresAt, r.CloudUrl, r.RegisteredAt,
            r.PendingKeys is { } p ? new PendingKeysFile(p.KeyId, p.AccessKey, p.LocalKey, p.KeyExpiresAt) : null);

    public static IReadOnlyList<SubDeviceCredentials> ToSubDevices(SubDevicesFile file) =>
        [.. file.SubDevices.Select(s => s is null ? null! : new SubDeviceCredentials(s.Did, s.AccessKey, s.LocalKey, s.KeyId, s.KeyExpiresAt, s.Kind))];

    public static SubDevicesFile ToFile(IReadOnlyList<SubDeviceCredentials> subDevices) =>
        new(StateFormat.Version, [.. subDevices.Select(s => new SubDeviceFile(s.Did, s.AccessKey, s.LocalKey, s.KeyId, s.KeyExpiresAt, s.Kind))]);

    private static bool IsText(string value, int maxLength) =>
        value.Length > 0 && value.Length <= maxLength && !value.AsSpan().ContainsAnyInRange('\0', '\x1f') && !value.Contains('\x7f', StringComparison.Ordinal);
}
