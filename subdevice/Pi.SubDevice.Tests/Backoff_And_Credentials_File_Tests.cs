using Pi.SubDevice.Client;
using Pi.SubDevice.Onboarding;

namespace Pi.SubDevice.Tests;

public class Backoff_Tests
{
    [Fact]
    public void Delays_double_up_to_the_maximum_and_stay_between_half_and_all_of_the_step()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), new Random(7));

        for (var attempt = 0; attempt < 40; attempt++)
        {
            var step = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(attempt, 30))));
            var delay = backoff.Delay(attempt);
            Assert.InRange(delay, step / 2, step);
        }
    }

    [Fact]
    public void Two_devices_do_not_retry_in_step()
    {
        var a = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), new Random(1));
        var b = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), new Random(2));

        Assert.NotEqual(Enumerable.Range(0, 5).Select(a.Delay), Enumerable.Range(0, 5).Select(b.Delay));
    }
}

public sealed class Credentials_File_Tests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pi-subdevice-creds-").FullName;

    [Fact]
    public async Task Storing_replaces_the_entry_of_the_same_did_and_keeps_the_others()
    {
        var path = Path.Combine(_directory, "creds.json");
        var first = Onboarding_Tests.Info("sd-1", "mqtt://127.0.0.1:1883");
        var second = Onboarding_Tests.Info("sd-2", "mqtts://127.0.0.1:8883") with { BrokerFingerprint = new string('a', 64) };
        var firstAgain = Onboarding_Tests.Info("sd-1", "mqtt://127.0.0.1:1884");

        await CredentialsFile.StoreAsync(path, first, CancellationToken.None);
        await CredentialsFile.StoreAsync(path, second, CancellationToken.None);
        await CredentialsFile.StoreAsync(path, firstAgain, CancellationToken.None);

        var entries = CredentialsFile.Load(path);
        Assert.Equal(["sd-2", "sd-1"], entries.Select(e => e.Did));
        Assert.Equal(firstAgain.LocalKey, entries[1].LocalKey);
        Assert.Equal(new string('a', 64), entries[0].BrokerFingerprint);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(CredentialsFile.PrivateMode, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_did_twice_is_refused()
    {
        var entry = Onboarding_Tests.Info("sd-1", "mqtt://127.0.0.1:1883");
        var bytes = CredentialsFile.Serialize([entry, entry]);

        var error = Assert.Throws<CredentialsFileException>(() => CredentialsFile.Parse(bytes, "creds.json"));
        Assert.Contains("appears twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_existing_file_is_not_overwritten()
    {
        var path = Path.Combine(_directory, "other.json");
        await File.WriteAllTextAsync(path, "{\"not\":\"an array\"}");

        await Assert.ThrowsAsync<CredentialsFileException>(() => CredentialsFile.StoreAsync(path, Onboarding_Tests.Info("sd-1", "mqtt://h:1"), CancellationToken.None));
        Assert.Equal("{\"not\":\"an array\"}", await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData("mqtt://127.0.0.1", null, "127.0.0.1", 1883, false)]
    [InlineData("mqtts://gw.local", null, "gw.local", 8883, true)]
    [InlineData("mqtts://10.0.0.2:9883", "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89", "10.0.0.2", 9883, true)]
    public void Broker_urls_parse_with_default_ports(string url, string? pin, string host, int port, bool tls)
    {
        var broker = BrokerEndpoint.Parse(url, pin);

        Assert.Equal((host, port, tls, pin is not null), (broker.Host, broker.Port, broker.UseTls, broker.IsPinned));
    }

    [Theory]
    [InlineData("http://127.0.0.1:1883", null)]
    [InlineData("mqtt://127.0.0.1:1883", "00")]
    [InlineData("mqtts://127.0.0.1:8883", "zz")]
    public void Bad_broker_urls_and_pins_are_refused(string url, string? pin) =>
        Assert.Throws<FormatException>(() => BrokerEndpoint.Parse(url, pin));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
