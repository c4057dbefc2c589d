using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// port1 refuses what it must (docs/protocol.md section 4, receiver checks; section 5, rule 2):
/// no answer, one log line with the error code, and the next good search is answered. The proof
/// that nothing was answered: the first datagram on port2 afterwards is the good search's answer.
/// </summary>
public sealed class Search_Refusal_Tests
{
    private const int SearchRefused = 2011;

    public static TheoryData<string, string> Bad_datagrams => new()
    {
        { "garbage", "bad_magic" },
        { "ten bytes", "truncated" },
        { "version 3", "unsupported_version" },
        { "frame type 0x20", "unknown_frame_type" },
        { "reserved flag", "reserved_flags" },
        { "one byte too many", "length_mismatch" },
        { "deviceInfo on port1", "unexpected_frame" },
        { "sender is a gateway", "unexpected_frame" },
        { "tampered ciphertext", "authentication_failed" },
        { "not JSON", "malformed_json" },
        { "no mac", "missing_field" },
        { "random of 3 bytes", "invalid_field" },
        { "another gateway's MAC", "unknown_device" },
        { "1401 bytes", "frame_too_large" },
        { "9000 bytes", "frame_too_large" },
    };

    [Theory]
    [MemberData(nameof(Bad_datagrams))]
    public async Task A_bad_search_gets_no_answer_and_one_log_line(string kind, string code)
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var app = harness.NewApp(RandomNumberGenerator.GetBytes(16));
        var bad = Make(kind, app);

        await app.SendAsync(bad, harness.SearchEndPoint, TestTimeouts.Token());
        await harness.Log.WaitForRefusalAsync(SearchRefused, code);

        await AssertNextAnswerIsForAsync(harness, app);
        Assert.Single(harness.Log.WithId(SearchRefused));
        Assert.Equal(0, harness.Server.ConnectionCount);
    }

    [Fact]
    public async Task A_replayed_search_is_refused_and_repeats_within_the_window_are_answered()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var app = harness.NewApp();
        var first = app.SealSearch();
        var second = app.SealSearch();

        // Out of order is fine for datagrams (sliding window)...
        await app.SendAsync(second, harness.SearchEndPoint, TestTimeouts.Token());
        await app.ReceiveDeviceInfoAsync(skipOthers: false, TestTimeouts.Token());
        await app.SendAsync(first, harness.SearchEndPoint, TestTimeouts.Token());
        await app.ReceiveDeviceInfoAsync(skipOthers: false, TestTimeouts.Token());

        // ...but a counter seen before is a replay, whoever sends it.
        await app.SendAsync(first, harness.SearchEndPoint, TestTimeouts.Token());
        await harness.Log.WaitForRefusalAsync(SearchRefused, "replayed");
        await AssertNextAnswerIsForAsync(harness, app);
        Assert.Single(harness.Log.WithId(SearchRefused));
        Assert.Equal(3, harness.Server.PendingSessionCount);
    }

    [Fact]
    public async Task A_search_with_a_public_key_that_is_not_a_curve_point_is_refused_before_any_key_pair_is_made()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var app = harness.NewApp();
        // Someone holding the setup code seals a search under the searchkey of a bogus "key".
        var bogus = new byte[EphemeralKeyPair.PublicKeySize];
        bogus[0] = 0x04;
        bogus.AsSpan(1).Fill(0xFF);
        using var channel = new ProvisioningChannel(KeyDerivation.DeriveSearchKey(bogus, harness.Context.Secret), ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);

        await app.SendAsync(channel.Seal(new SearchDevice(ProvisioningHarness.Mac), bogus), harness.SearchEndPoint, TestTimeouts.Token());
        await harness.Log.WaitForRefusalAsync(SearchRefused, "invalid_public_key");

        await AssertNextAnswerIsForAsync(harness, app);
        Assert.Equal(1, harness.Server.PendingSessionCount);
    }

    [Fact]
    public async Task An_open_mode_search_is_refused_by_a_gateway_with_a_setup_code()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var open = harness.NewApp(secret: ProvisioningSecret.OpenMode);
        var app = harness.NewApp();

        await open.SendAsync(open.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());
        await harness.Log.WaitForRefusalAsync(SearchRefused, "security_mode_mismatch");

        await AssertNextAnswerIsForAsync(harness, app);
    }

    /// <summary>A good search from <paramref name="app"/>; the first datagram on port2 must be its answer.</summary>
    internal static async Task AssertNextAnswerIsForAsync(ProvisioningHarness harness, TestApp app)
    {
        await app.SendAsync(app.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());
        var found = await app.ReceiveDeviceInfoAsync(skipOthers: false, TestTimeouts.Token());
        Assert.Equal(ProvisioningHarness.Mac, found.Info.Mac);
    }

    private static byte[] Make(string kind, TestApp app)
    {
        byte[] Tweak(Action<byte[]> change)
        {
            var search = app.SealSearch();
            change(search);
            return search;
        }

        return kind switch
        {
            "garbage" => RandomNumberGenerator.GetBytes(120).Select((b, i) => i == 0 ? (byte)0x00 : b).ToArray(),
            "ten bytes" => "PG"u8.ToArray().Concat(new byte[8]).ToArray(),
            "version 3" => Tweak(s => s[2] = 3),
            "frame type 0x20" => Tweak(s => s[3] = 0x20),
            "reserved flag" => Tweak(s => s[4] |= 0x80),
            "one byte too many" => [.. app.SealSearch(), 0x00],
            "deviceInfo on port1" => Tweak(s => s[3] = (byte)ProvisioningFrameType.DeviceInfo),
            "sender is a gateway" => Tweak(s => s[5] = (byte)ProvisioningRole.Gateway),
            "tampered ciphertext" => Tweak(s => s[^20] ^= 0x01),
            "not JSON" => app.SealSearchPlaintext("not json"u8),
            "no mac" => app.SealSearchPlaintext("{}"u8),
            "random of 3 bytes" => app.SealSearchPlaintext(Encoding.UTF8.GetBytes($$"""{"mac":"{{ProvisioningHarness.Mac}}","random":"AQID"}""")),
            "another gateway's MAC" => app.SealSearch("B8:27:EB:00:00:01"),
            "1401 bytes" => Oversized(1401),
            "9000 bytes" => Oversized(9000),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private static byte[] Oversized(int size)
    {
        var bytes = new byte[size];
        "PG"u8.CopyTo(bytes);
        bytes[2] = ProvisioningFrame.Version;
        return bytes;
    }
}
