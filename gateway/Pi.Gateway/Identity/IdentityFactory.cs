using System.Security.Cryptography;
using Pi.Gateway.State;
using Pi.Protocol.Crypto;
using Pi.Protocol.Labels;

namespace Pi.Gateway.Identity;

/// <summary>
/// Makes a gateway's identity, once, on first start: a random (version 4) uuid; the serial number
/// given, else the Pi's serial, else a random <c>PI-</c> serial; the MAC of the Wi-Fi interface;
/// a random verification code; a random setup code (printed on the label).
/// </summary>
public sealed class IdentityFactory
{
    /// <summary>Longest serial number (deviceInfo allows 64).</summary>
    public const int MaxSerialNumberLength = 64;

    private readonly PiSerialNumber _piSerialNumber;
    private readonly TimeProvider _timeProvider;

    /// <summary>A factory reading the Pi's serial through <paramref name="piSerialNumber"/>.</summary>
    public IdentityFactory(PiSerialNumber piSerialNumber, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(piSerialNumber);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _piSerialNumber = piSerialNumber;
        _timeProvider = timeProvider;
    }

    /// <summary>A new identity for the interface <paramref name="mac"/>.</summary>
    /// <param name="mac">The Wi-Fi interface's MAC, in any form <see cref="DeviceMac"/> accepts.</param>
    /// <param name="serialNumber">The serial number to use; null to take the Pi's (or a random one).</param>
    /// <param name="cancellationToken">Cancels reading the Pi's serial.</param>
    /// <exception cref="ArgumentException">The MAC or the serial number is not acceptable.</exception>
    public async Task<GatewayIdentity> CreateAsync(string mac, string? serialNumber, CancellationToken cancellationToken)
    {
        var normalizedMac = DeviceMac.Normalize(mac);
        string sn;
        if (serialNumber is not null)
        {
            sn = IsValidSerialNumber(serialNumber)
                ? serialNumber
                : throw new ArgumentException($"a serial number is 1 to {MaxSerialNumberLength} printable ASCII characters without spaces", nameof(serialNumber));
        }
        else
        {
            sn = await _piSerialNumber.ReadAsync(cancellationToken).ConfigureAwait(false) ?? NewRandomSerialNumber();
        }
        return new GatewayIdentity(NewUuid(), sn, normalizedMac, VerificationCode.Generate(), SetupCode.Generate(), _timeProvider.GetUtcNow());
    }

    /// <summary>A random (version 4, RFC 9562) uuid in the form <c>xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx</c>.</summary>
    public static string NewUuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    /// <summary>A serial number for a machine that has none: <c>PI-</c> and 12 random upper-case hex digits.</summary>
    public static string NewRandomSerialNumber() => "PI-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6));

    /// <summary>1 to 64 printable ASCII characters without spaces.</summary>
    public static bool IsValidSerialNumber(string? serialNumber)
    {
        if (serialNumber is null || serialNumber.Length is 0 or > MaxSerialNumberLength)
        {
            return false;
        }
        foreach (var c in serialNumber)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }
        return true;
    }
}
