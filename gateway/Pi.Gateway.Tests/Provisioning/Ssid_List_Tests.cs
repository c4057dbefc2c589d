using Pi.Gateway.Provisioning;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// ssidList as docs/protocol.md section 6 bounds it: valid names only, strongest first, at most
/// 100, and a frame the APP's default 16 KiB limit accepts, whatever the scan returned.
/// </summary>
public sealed class Ssid_List_Tests
{
    [Fact]
    public void Invalid_entries_are_left_out_and_a_name_seen_twice_keeps_its_strongest_signal()
    {
        SsidEntry[] scanned =
        [
            new("Good", -70, WifiSecurity.Wpa2Psk),
            new("Good", -50, WifiSecurity.Wpa2Psk),
            new(new string('x', 33), -40, WifiSecurity.Open),
            new("", -40, WifiSecurity.Open),
            new("Bell\u0007", -40, WifiSecurity.Open),
            new("TooStrong", 5, WifiSecurity.Open),
            new("TooWeak", -128, WifiSecurity.Open),
            new("Weird", -60, (WifiSecurity)99),
            null!,
            new("Other", -60, WifiSecurity.Wpa3Sae),
        ];

        var list = SsidListBuilder.Build(scanned, ProvisioningFrame.DefaultMaxStreamFrameSize, out var leftOut);

        Assert.Equal([new("Good", -50, WifiSecurity.Wpa2Psk), new("Other", -60, WifiSecurity.Wpa3Sae)], list.Networks);
        Assert.Equal(8, leftOut);
        list.Validate();
    }

    [Fact]
    public void A_scan_of_150_networks_is_cut_to_the_100_strongest()
    {
        var scanned = Enumerable.Range(0, 150).Select(i => new SsidEntry($"net-{i:000}", -(i % 127), WifiSecurity.Wpa2Psk)).ToList();

        var list = SsidListBuilder.Build(scanned, ProvisioningFrame.DefaultMaxStreamFrameSize, out var leftOut);

        Assert.Equal(SsidList.MaxNetworks, list.Networks.Count);
        Assert.Equal(50, leftOut);
        Assert.Equal(list.Networks.OrderByDescending(n => n.Signal).Select(n => n.Signal), list.Networks.Select(n => n.Signal));
        Assert.Equal(0, list.Networks[0].Signal);
    }

    [Fact]
    public void A_list_whose_frame_would_pass_the_limit_loses_its_weakest_networks()
    {
        // 32 bytes of characters JSON escapes (\u003C): about 200 bytes per entry, 20 KB for 100.
        var scanned = Enumerable.Range(0, 100).Select(i => new SsidEntry($"{i:00}{new string('<', 30)}", -i, WifiSecurity.Open)).ToList();

        var list = SsidListBuilder.Build(scanned, ProvisioningFrame.DefaultMaxStreamFrameSize, out var leftOut);

        var frameSize = ProvisioningFrame.HeaderSize + ProtocolJson.Serialize(list).Length + 16;
        Assert.InRange(frameSize, 1, ProvisioningFrame.DefaultMaxStreamFrameSize);
        Assert.True(leftOut > 0);
        Assert.Equal(scanned.Take(list.Networks.Count), list.Networks);
    }

    [Fact]
    public async Task The_APP_receives_a_bounded_valid_list_from_an_unruly_scan()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        harness.Ssids.Networks =
        [
            .. Enumerable.Range(0, 120).Select(i => new SsidEntry($"{i:000}{new string('"', 29)}", -(i % 100) - 1, WifiSecurity.Wpa2Psk)),
            new(new string('n', 40), -1, WifiSecurity.Open),
        ];
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            // The APP's decoder keeps the default 16 KiB limit: the reply had to fit it.
            var list = Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            Assert.InRange(list.Networks.Count, 1, SsidList.MaxNetworks);
            Assert.DoesNotContain(list.Networks, n => n.Ssid.Length > 32);
            Assert.Equal(list.Networks.OrderByDescending(n => n.Signal).Select(n => n.Signal), list.Networks.Select(n => n.Signal));
        }
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2030 && l.Message.Contains("left out", StringComparison.Ordinal));
    }
}
