using System.Net;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.SubDevice.Onboarding;

namespace Pi.SubDevice.Tests;

public sealed class Onboarding_Tests : IDisposable
{
    private const string Mac = "B8:27:EB:00:00:07";
    private readonly string _directory = Directory.CreateTempSubdirectory("pi-subdevice-").FullName;
    private readonly SetupCode _code = SetupCode.Generate();
    private readonly int _port1 = Ports.FreeUdp();
    private readonly int _port2 = Ports.FreeUdp();
    private readonly int _port3 = Ports.FreeTcp();

    private string CredentialsPath => Path.Combine(_directory, "creds.json");

    private OnboardingResponder Responder() => new(
        new OnboardingOptions(Mac, _code, IPAddress.Loopback, _port1, _port2, _port3),
        (info, ct) => CredentialsFile.StoreAsync(CredentialsPath, info, ct));

    internal static SubDeviceInfo Info(string did, string broker) =>
        new(did, SymmetricKey.Generate(), 3, DateTimeOffset.UtcNow.AddDays(365), broker, Kind: "switch");

    [Fact]
    public async Task The_APP_onboards_the_sub_device_end_to_end_and_the_credentials_are_stored_0600()
    {
        await using var responder = Responder();
        await responder.StartAsync(CancellationToken.None);
        using var app = new TestApp(Mac, _code, _port2);

        await app.SendSearchAsync(_port1);
        var (info, devicePublicKey, agreeKey) = await app.ReceiveDeviceInfoAsync();
        Assert.Equal(("127.0.0.1", _port3, Mac, false), (info.Ip, info.TcpPort, info.Mac, info.Joined));
        Assert.Equal("pi-subdevice", info.Product);

        await using var session = await TestApp.ConnectAsync(info, devicePublicKey, agreeKey);
        var networks = Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList()));
        Assert.NotEmpty(networks.Networks);
        var wifi = Assert.IsType<WifiResult>(await session.RequestAsync(new WifiCredentials(networks.Networks[0].Ssid, new SecretString("correct horse"))));
        Assert.True(wifi.Joined);
        var delivered = Info("sd-7", "mqtt://127.0.0.1:1883");
        var ack = Assert.IsType<SubDeviceAck>(await session.RequestAsync(delivered));
        Assert.Equal("sd-7", ack.Did);

        var onboarded = await responder.Onboarded.WaitAsync(TestTimeouts.Long);
        Assert.Equal("sd-7", onboarded.Did);
        var stored = Assert.Single(CredentialsFile.Load(CredentialsPath));
        Assert.Equal(delivered.LocalKey, stored.LocalKey);
        Assert.Equal(("sd-7", 3u, "switch"), (stored.Did, stored.KeyId, stored.Kind!));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CredentialsPath));
        }
        Assert.Empty(Directory.GetFiles(_directory, ".*tmp*"));
    }

    [Fact]
    public async Task Listening_on_all_addresses_advertises_the_address_the_search_arrived_on()
    {
        await using var responder = new OnboardingResponder(
            new OnboardingOptions(Mac, _code, IPAddress.Any, _port1, _port2, _port3),
            (info, ct) => CredentialsFile.StoreAsync(CredentialsPath, info, ct));
        await responder.StartAsync(CancellationToken.None);
        using var app = new TestApp(Mac, _code, _port2);

        await app.SendSearchAsync(_port1);
        var (info, devicePublicKey, agreeKey) = await app.ReceiveDeviceInfoAsync();

        Assert.Equal("127.0.0.1", info.Ip);
        await using var session = await TestApp.ConnectAsync(info, devicePublicKey, agreeKey);
        Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList()));
    }

    [Fact]
    public async Task A_search_under_a_wrong_setup_code_is_refused_and_gets_no_answer()
    {
        await using var responder = Responder();
        var refused = new Observed<OnboardingRefusal>();
        responder.Refused += (_, r) => refused.Add(r);
        await responder.StartAsync(CancellationToken.None);
        using var app = new TestApp(Mac, SetupCode.Generate(), _port2);

        await app.SendSearchAsync(_port1);

        var refusal = await refused.WaitAsync(_ => true);
        Assert.Equal(("search", ProtocolErrorCode.AuthenticationFailed), (refusal.Stage, refusal.Code));
        // The refusal is raised where an answer would have been sent: nothing is on its way.
        Assert.Equal(0, app.PendingAnswers);
        Assert.False(File.Exists(CredentialsPath));
    }

    [Fact]
    public async Task A_search_for_another_MAC_is_refused()
    {
        await using var responder = Responder();
        var refused = new Observed<OnboardingRefusal>();
        responder.Refused += (_, r) => refused.Add(r);
        await responder.StartAsync(CancellationToken.None);
        using var app = new TestApp("B8:27:EB:00:00:08", _code, _port2);

        await app.SendSearchAsync(_port1);

        Assert.Equal(ProtocolErrorCode.UnknownDevice, (await refused.WaitAsync(_ => true)).Code);
        Assert.Equal(0, app.PendingAnswers);
    }

    [Fact]
    public async Task Expired_keys_are_refused_with_key_expired_and_not_stored()
    {
        await using var responder = Responder();
        await responder.StartAsync(CancellationToken.None);
        using var app = new TestApp(Mac, _code, _port2);
        await app.SendSearchAsync(_port1);
        var (info, devicePublicKey, agreeKey) = await app.ReceiveDeviceInfoAsync();
        await using var session = await TestApp.ConnectAsync(info, devicePublicKey, agreeKey);

        var expired = Info("sd-old", "mqtt://127.0.0.1:1883") with { KeyExpiresAt = DateTimeOffset.UtcNow.AddDays(-1) };
        var error = Assert.IsType<ProvisioningError>(await session.RequestAsync(expired));

        Assert.Equal(ProtocolErrorCode.KeyExpired, error.Code);
        Assert.False(File.Exists(CredentialsPath));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
