using System.Net;
using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Provisioning;
using Pi.Protocol.Errors;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>One line per refusal, at most a burst per window; the rest are counted in one line.</summary>
public sealed class Refusal_Log_Tests
{
    private static readonly IPEndPoint Somebody = new(IPAddress.Parse("192.168.4.23"), 50000);

    [Fact]
    public void Refusals_past_the_burst_are_counted_and_reported_when_the_next_window_starts()
    {
        var time = new FakeTimeProvider();
        var log = new CapturedLog();
        var refusals = new RefusalLog(log.For<ProvisioningServer>(), time, burst: 3, TimeSpan.FromMinutes(1));

        for (var i = 0; i < 10; i++)
        {
            refusals.Search(Somebody, ProtocolErrorCode.BadMagic, "not a provisioning frame");
        }
        Assert.Equal(3, log.WithId(2011).Count);
        Assert.Empty(log.WithId(2040));

        time.Advance(TimeSpan.FromMinutes(1));
        refusals.Session(Somebody, ProtocolErrorCode.Busy, "too many connections at once");

        var summary = Assert.Single(log.WithId(2040));
        Assert.Contains("7 more refusals", summary.Message, StringComparison.Ordinal);
        Assert.Single(log.WithId(2020));
        refusals.Flush();
        Assert.Single(log.WithId(2040));
    }

    [Fact]
    public void A_search_for_another_gateway_is_information_and_a_bad_frame_a_warning()
    {
        var log = new CapturedLog();
        var refusals = new RefusalLog(log.For<ProvisioningServer>(), new FakeTimeProvider(), burst: 10, TimeSpan.FromMinutes(1));

        refusals.Search(Somebody, ProtocolErrorCode.UnknownDevice, "the search is for another gateway");
        refusals.Search(Somebody, ProtocolErrorCode.AuthenticationFailed, "the data does not authenticate");

        Assert.Equal([Microsoft.Extensions.Logging.LogLevel.Information, Microsoft.Extensions.Logging.LogLevel.Warning], log.WithId(2011).Select(l => l.Level));
        Assert.Contains("192.168.4.23:50000: unknown_device: the search is for another gateway", log.Lines[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flood_of_garbage_logs_the_burst_and_one_summary_at_stop()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => o.RefusalLogBurst = 2);
        var app = harness.NewApp();
        for (var i = 0; i < 5; i++)
        {
            await app.SendAsync([0x00, 0x01, 0x02], harness.SearchEndPoint, TestTimeouts.Token());
        }
        // One loop handles datagrams in order: once this is answered, the garbage was handled.
        await Search_Refusal_Tests.AssertNextAnswerIsForAsync(harness, app);
        Assert.Equal(2, harness.Log.WithId(2011).Count);

        await harness.Server.StopAsync(CancellationToken.None);
        Assert.Contains("3 more refusals", Assert.Single(harness.Log.WithId(2040)).Message, StringComparison.Ordinal);
    }
}
