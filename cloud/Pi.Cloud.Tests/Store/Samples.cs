using System.Security.Cryptography;
using System.Text;
using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Store;

/// <summary>Records for store tests: whole milliseconds (what the store keeps), distinct keys.</summary>
internal static class Samples
{
    private static readonly byte[] NoKey = [];

    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);

    public static DateTimeOffset At(int seconds) => Now.AddSeconds(seconds);

    public static string Mac(int n) => $"02:00:00:00:{n / 256 % 256:x2}:{n % 256:x2}";

    public static GatewayRecord Gateway(string tid, int macNumber = 1) =>
        new(tid, Mac(macNumber), $"uuid-{tid}", $"sn-{tid}", """{"product":"pi-gw","firmware":"1.0.0"}""", $"pbkdf2$hash-of-{tid}", Now, Now.AddDays(730), null);

    public static KeyPairRecord Keys(string deviceId, uint keyId, KeyPairState state = KeyPairState.Active, int createdSecondsAfterNow = 0) =>
        new(deviceId, keyId, KeyBytes(deviceId, keyId, "access"), KeyBytes(deviceId, keyId, "local"), At(createdSecondsAfterNow), At(createdSecondsAfterNow).AddDays(365), state);

    public static SubDeviceRecord SubDevice(string did, string tid, SubDeviceState state = SubDeviceState.Added) =>
        new(did, tid, "switch", $"name of {did}", Now, state);

    public static FactoryRecord Factory(int macNumber, string code = "123456", string source = "import") =>
        new(Mac(macNumber), $"uuid-{macNumber}", $"sn-{macNumber}", code, source, Now);

    public static async Task<UserRecord> UserAsync(ICloudStore store, string email) =>
        await store.CreateUserAsync(email, "pbkdf2$user-hash", Now, CancellationToken.None)
        ?? throw new InvalidOperationException($"{email} is taken");

    /// <summary>Registers a gateway with key pair 1.</summary>
    public static async Task<GatewayRecord> RegisteredGatewayAsync(ICloudStore store, string tid, int macNumber = 1)
    {
        var gateway = Gateway(tid, macNumber);
        await store.RegisterGatewayAsync(gateway, Keys(tid, 1), null, CancellationToken.None);
        return gateway;
    }

    /// <summary>Key pairs compared by value (records compare byte arrays by reference).</summary>
    public static void AssertSame(KeyPairRecord expected, KeyPairRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { AccessKey = NoKey, LocalKey = NoKey }, actual with { AccessKey = NoKey, LocalKey = NoKey });
        Assert.Equal(expected.AccessKey, actual.AccessKey);
        Assert.Equal(expected.LocalKey, actual.LocalKey);
    }

    private static byte[] KeyBytes(string deviceId, uint keyId, string use) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"{deviceId}/{keyId}/{use}"))[..16];
}
