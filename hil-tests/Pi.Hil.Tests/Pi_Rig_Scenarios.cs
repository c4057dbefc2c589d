using Pi.Gateway.Leds;
using Pi.Hil.Leds;
using Pi.Hil.Pi;
using Pi.Hil.Processes;
using Xunit.Abstractions;
using Pi.Protocol.Labels;

namespace Pi.Hil.Tests;

/// <summary>A scenario that needs real hardware: skipped unless <c>PI_HIL_RIG=pi</c> (docs/hardware.md).</summary>
public sealed class PiRigFactAttribute : FactAttribute
{
    public PiRigFactAttribute()
    {
        if (!RigSelection.PiSelected)
        {
            Skip = "needs the Pi rig: PI_HIL_RIG=pi and PI_HIL_CONFIG=<file> on the rig Pi (docs/hardware.md)";
        }
    }
}

/// <summary>
/// Scenarios a and c on a real gateway Pi, driven by the rig Pi's GPIO (the same steps as on the
/// simulated rig, through <see cref="IRig"/> only).
/// </summary>
public sealed class Pi_Rig_Scenarios(ITestOutputHelper output)
{
    private static async Task RunAsync(ITestOutputHelper output, Func<PiRig, PiRigOptions, CancellationToken, Task> body)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var options = RigSelection.LoadPiOptions();
        var log = new RigLog();
        await using var rig = PiRig.OnThisPi(options, Scenario.Outputs.App, log);
        try
        {
            await body(rig, options, timeout.Token);
        }
        catch
        {
            output.WriteLine("---- rig log ----\n" + log + "\n---- gateway journal ----\n" + await rig.FetchGatewayLogAsync());
            throw;
        }
    }

    private static async Task<string> ProvisionAsync(PiRig rig, PiRigOptions options, AppUser user, CancellationToken ct)
    {
        var result = await new CliAppDriver(rig.App, rig.Addresses).ProvisionAsync(user, new ProvisionRequest(options.QrPayload, options.RouterSsid, options.RouterPassword)
        {
            VerificationCode = options.VerificationCode.Length > 0 ? options.VerificationCode : null,
            SearchTimeoutSeconds = 10,
            OnlineTimeoutSeconds = 60,
        }, ct);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("connected", result.OutcomeName);
        return result.Member("tid")!;
    }

    [PiRigFact]
    public async Task The_gateway_pi_is_provisioned_to_online_and_its_leds_turn_green()
    {
        await RunAsync(output, async (rig, options, ct) =>
        {
            await rig.WaitForLedPatternAsync(LedState.SoftApWaiting, TimeSpan.FromSeconds(30), ct);
            var user = await rig.App.SignUpAsync(rig.Cloud, "pi-alice", ct);
            await ProvisionAsync(rig, options, user, ct);
            await rig.WaitForLedPatternAsync(LedState.Online, TimeSpan.FromSeconds(30), ct);
        });
    }

    [PiRigFact]
    public async Task Holding_the_gateway_pis_reset_through_gpio_unbinds_it_and_brings_the_softap_back()
    {
        await RunAsync(output, async (rig, options, ct) =>
        {
            var user = await rig.App.SignUpAsync(rig.Cloud, "pi-bob", ct);
            // From a known start: a gateway left provisioned by an earlier run is reset first.
            if (!LedPatternMatcher.Identify(await rig.RecordLedsAsync(TimeSpan.FromSeconds(3.5), ct)).Contains(LedState.SoftApWaiting))
            {
                await rig.PressResetAsync(TimeSpan.FromSeconds(6), ct);
                await rig.WaitForLedPatternAsync(LedState.SoftApWaiting, TimeSpan.FromSeconds(60), ct);
            }
            var tid = await ProvisionAsync(rig, options, user, ct);
            await rig.WaitForLedPatternAsync(LedState.Online, TimeSpan.FromSeconds(30), ct);
            var before = DateTimeOffset.UtcNow;
            await rig.PressResetAsync(TimeSpan.FromSeconds(6), ct); // the gateway's default long press is 5 s
            await rig.WaitForLedPatternAsync(LedState.SoftApWaiting, TimeSpan.FromSeconds(60), ct);
            Assert.NotNull(LedPatternMatcher.FindBrief(rig.LedTimeline.Slice(before, DateTimeOffset.UtcNow), LedState.Resetting));
            var gateways = await rig.App.RunAsync(user, ["gateways", "--json"], cancellationToken: ct);
            Assert.DoesNotContain(tid, gateways.Stdout, StringComparison.Ordinal);
            Assert.Equal(tid, await ProvisionAsync(rig, options, user, ct));
        });
    }
}
