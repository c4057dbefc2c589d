using Microsoft.Extensions.Configuration;
using Pi.Gateway.Core;
using Pi.Gateway.Hosting;

namespace Pi.Gateway.Tests.Hosting;

/// <summary>
/// The host reads the documented <c>Gateway:StateMachine</c> section (Core/README.md). Found by the
/// HIL rig (hil-tests): only <c>Gateway:FailSafeTimeout</c> was read, so the fail-safe could never be
/// shorter than the default join, grace and login timeouts together (2 min).
/// </summary>
public sealed class State_Machine_Options_Binding_Tests
{
    [Fact]
    public void The_documented_section_sets_the_timers_and_the_rest_keep_their_defaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:StateMachine:FailSafeTimeout"] = "00:00:09",
            ["Gateway:StateMachine:WifiJoinTimeout"] = "00:00:02",
            ["Gateway:StateMachine:CompletionGrace"] = "00:00:01",
            ["Gateway:StateMachine:LoginTimeout"] = "00:00:05",
            ["Gateway:StateMachine:BackoffJitter"] = "0.25",
            ["Gateway:StateMachine:BadCredentialsLimit"] = "4",
            ["Gateway:StateMachine:KeyExpiryWarning"] = "2.00:00:00",
        }).Build();

        var options = GatewayHostingExtensions.ReadStateMachineOptions(configuration);

        Assert.Equal(TimeSpan.FromSeconds(9), options.FailSafeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.WifiJoinTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), options.CompletionGrace);
        Assert.Equal(TimeSpan.FromSeconds(5), options.LoginTimeout);
        Assert.Equal(0.25, options.BackoffJitter);
        Assert.Equal(4, options.BadCredentialsLimit);
        Assert.Equal(TimeSpan.FromDays(2), options.KeyExpiryWarning);
        Assert.Equal(new GatewayStateMachineOptions().BackoffMax, options.BackoffMax);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void The_older_fail_safe_key_still_works()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:FailSafeTimeout"] = "00:05:00",
        }).Build();

        Assert.Equal(TimeSpan.FromMinutes(5), GatewayHostingExtensions.ReadStateMachineOptions(configuration).FailSafeTimeout);
    }
}
