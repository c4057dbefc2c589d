using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Identity;
using Pi.Gateway.State;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.Tests.State.Support;

/// <summary>A data directory, a fixed clock and a captured log; makes stores over them ("starts").</summary>
internal sealed class StoreHarness : IDisposable
{
    public static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    public const string InterfaceMac = "b8:27:eb:12:34:56";
    public const string NormalizedMac = "B8:27:EB:12:34:56";

    private readonly TestDirectory _root = new();
    private readonly List<FileGatewayStateStore> _stores = [];

    public StoreHarness()
    {
        DataDirectory = Path.Combine(_root.Path, "var", "lib", "pi-gateway");
    }

    public string DataDirectory { get; }

    public FakeTimeProvider Clock { get; } = new(Now);

    public CapturedLog Log { get; } = new();

    /// <summary>No /proc files: identities get a random PI- serial.</summary>
    public PiSerialNumber NoPiSerial => new(Path.Combine(_root.Path, "no-device-tree"), Path.Combine(_root.Path, "no-cpuinfo"));

    public string File(string name) => Path.Combine(DataDirectory, name);

    /// <summary>The entries of the data directory but its lock file, sorted.</summary>
    public IReadOnlyList<string> FileNames() =>
        Directory.Exists(DataDirectory)
            ? [.. Directory.EnumerateFileSystemEntries(DataDirectory).Select(Path.GetFileName).OfType<string>().Where(n => n != ".lock").Order(StringComparer.Ordinal)]
            : [];

    /// <summary>A store as a fresh start of the gateway would make it.</summary>
    public FileGatewayStateStore Start(AtomicFile? files = null, bool regenerateIdentity = false, int maxFileBytes = 1024 * 1024, PiSerialNumber? piSerial = null)
    {
        var options = new StateOptions { DataDirectory = DataDirectory, RegenerateIdentity = regenerateIdentity, MaxFileBytes = maxFileBytes };
        var store = new FileGatewayStateStore(options, new IdentityFactory(piSerial ?? NoPiSerial, Clock), Clock, Log.For<FileGatewayStateStore>(), files ?? new AtomicFile());
        _stores.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
        _root.Dispose();
    }
}

/// <summary>Records with recognizable secrets, to look for in logs and problems.</summary>
internal static class Samples
{
    public const string Password = "Correct-Horse-Battery-Staple-42";

    public static readonly SymmetricKey AccessKey = new(Enumerable.Range(0x10, 16).Select(i => (byte)i).ToArray());
    public static readonly SymmetricKey LocalKey = new(Enumerable.Range(0x40, 16).Select(i => (byte)i).ToArray());
    public static readonly SymmetricKey RotatedAccessKey = new(Enumerable.Range(0x70, 16).Select(i => (byte)i).ToArray());
    public static readonly SymmetricKey RotatedLocalKey = new(Enumerable.Range(0xA0, 16).Select(i => (byte)i).ToArray());
    public static readonly SymmetricKey SubAccessKey = new(Enumerable.Range(0xC0, 16).Select(i => (byte)i).ToArray());
    public static readonly SymmetricKey SubLocalKey = new(Enumerable.Range(0xE0, 16).Select(i => (byte)i).ToArray());

    public static GatewayRegistration Registration(string tid = "gw-000123", RotatedKeys? pending = null) => new(
        tid,
        new SecretString(Password),
        AccessKey,
        LocalKey,
        KeyId: 7,
        KeyExpiresAt: StoreHarness.Now.AddDays(365),
        ServiceExpiresAt: StoreHarness.Now.AddDays(730),
        CloudUrl: "https://cloud.example.test:8443",
        RegisteredAt: StoreHarness.Now,
        PendingKeys: pending);

    public static RotatedKeys Pending => new(8, RotatedAccessKey, RotatedLocalKey, StoreHarness.Now.AddDays(400));

    public static IReadOnlyList<SubDeviceCredentials> SubDevices =>
    [
        new("sd-lamp-1", SubAccessKey, SubLocalKey, 3, StoreHarness.Now.AddDays(90), "lamp"),
        new("sd-sensor-2", SubLocalKey, SubAccessKey, 4, StoreHarness.Now.AddDays(91), null),
    ];

    /// <summary>Every secret text of these samples and of <paramref name="identities"/>, in every form it could be printed.</summary>
    public static IEnumerable<string> SecretTexts(params GatewayIdentity[] identities)
    {
        yield return Password;
        foreach (var key in new[] { AccessKey, LocalKey, RotatedAccessKey, RotatedLocalKey, SubAccessKey, SubLocalKey })
        {
            yield return key.ToBase64();
            yield return Convert.ToHexString(key.Bytes);
            yield return Convert.ToHexStringLower(key.Bytes);
        }
        foreach (var identity in identities)
        {
            yield return identity.VerificationCode.Reveal();
            yield return identity.SetupCode.ToCanonicalString();
            yield return identity.SetupCode.ToDisplayString();
        }
    }
}
