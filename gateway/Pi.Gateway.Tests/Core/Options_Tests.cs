using Pi.Gateway.Core;

namespace Pi.Gateway.Tests.Core;

public sealed class Options_Tests
{
    [Fact]
    public void The_defaults_are_valid_and_as_documented()
    {
        var o = new GatewayStateMachineOptions();
        Assert.Empty(o.Validate());
        Assert.Equal(TimeSpan.FromMinutes(10), o.FailSafeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), o.BackoffInitial);
        Assert.Equal(TimeSpan.FromMinutes(5), o.BackoffMax);
        Assert.Equal(TimeSpan.FromSeconds(10), o.ResetUnbindTimeout);
        Assert.Equal(TimeSpan.FromDays(15), o.KeyExpiryWarning);
        Assert.Equal(TimeSpan.FromSeconds(120), o.PairingWindow);
        Assert.Equal("Gateway:StateMachine", GatewayStateMachineOptions.SectionName);
    }

    public static TheoryData<string, GatewayStateMachineOptions> Invalid() => new()
    {
        { "FailSafeTimeout", new() { FailSafeTimeout = TimeSpan.Zero } },
        { "FailSafeTimeout must exceed", new() { FailSafeTimeout = TimeSpan.FromMinutes(1) } },
        { "FailSafeTimeout", new() { FailSafeTimeout = TimeSpan.FromDays(2) } },
        { "WifiJoinTimeout", new() { WifiJoinTimeout = TimeSpan.FromSeconds(-1) } },
        { "LoginTimeout", new() { LoginTimeout = TimeSpan.Zero } },
        { "BackoffInitial must not exceed", new() { BackoffInitial = TimeSpan.FromMinutes(6) } },
        { "BackoffMax", new() { BackoffMax = TimeSpan.Zero } },
        { "BackoffJitter", new() { BackoffJitter = 1.5 } },
        { "BackoffJitter", new() { BackoffJitter = double.NaN } },
        { "BadCredentialsLimit", new() { BadCredentialsLimit = 0 } },
        { "ServiceRetryInterval", new() { ServiceRetryInterval = TimeSpan.FromDays(3) } },
        { "KeyExpiryWarning", new() { KeyExpiryWarning = TimeSpan.Zero } },
        { "ResetUnbindTimeout", new() { ResetUnbindTimeout = TimeSpan.Zero } },
        { "WipeTimeout", new() { WipeTimeout = TimeSpan.Zero } },
        { "PairingWindow must not exceed", new() { PairingWindow = TimeSpan.FromMinutes(20) } },
        { "HeartbeatInterval", new() { HeartbeatInterval = TimeSpan.FromHours(1) } },
        { "CompletionGrace", new() { CompletionGrace = TimeSpan.FromSeconds(-1) } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_options_are_named_and_refused_by_the_machine(string problem, GatewayStateMachineOptions options)
    {
        Assert.Contains(options.Validate(), p => p.StartsWith(problem, StringComparison.Ordinal));
        var thrown = Assert.Throws<ArgumentException>(() => new GatewayStateMachine(options, () => 0));
        Assert.Contains(problem, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        var options = new GatewayStateMachineOptions { BackoffJitter = -1, BadCredentialsLimit = 0, WipeTimeout = TimeSpan.Zero };
        Assert.Equal(3, options.Validate().Count);
    }
}
