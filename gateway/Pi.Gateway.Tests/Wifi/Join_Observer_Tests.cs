using Pi.Gateway.Wifi.Hostapd;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

public sealed class Join_Observer_Tests
{
    private static WpaStatus State(string state) => new(state, null, null, null, null, null, null, null);

    private static WpaNetwork[] Disabled => [new WpaNetwork(0, "Home", ["TEMP-DISABLED"])];

    [Fact]
    public void A_wrong_key_event_decides_at_once()
    {
        var observer = new WpaJoinObserver(WifiSecurity.Wpa2Psk);

        observer.Observe(State("ASSOCIATING"));
        observer.Observe(WpaCliParser.ParseEvent("<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid=\"Home\" auth_failures=1 duration=10 reason=WRONG_KEY"));

        Assert.Equal(WifiFailure.WrongPassword, observer.Failure);
    }

    [Fact]
    public void The_failed_handshake_line_of_the_log_is_a_wrong_key()
    {
        var observer = new WpaJoinObserver(WifiSecurity.WpaPsk);

        observer.Observe(WpaCliParser.ParseEvent("wlan0: WPA: 4-Way Handshake failed - pre-shared key may be incorrect"));

        Assert.Equal(WifiFailure.WrongPassword, observer.Failure);
    }

    [Fact]
    public void Temp_disabled_after_the_handshake_is_a_wrong_key_but_not_before_it()
    {
        var early = new WpaJoinObserver(WifiSecurity.Wpa2Psk);
        early.Observe(State("SCANNING"));
        early.Observe(Disabled);
        Assert.Null(early.Failure);
        Assert.Equal(WifiFailure.Timeout, early.TimedOutFailure);

        var late = new WpaJoinObserver(WifiSecurity.Wpa2Psk);
        late.Observe(State("4WAY_HANDSHAKE"));
        late.Observe(State("DISCONNECTED"));
        late.Observe(Disabled);
        Assert.Equal(WifiFailure.WrongPassword, late.Failure);
    }

    [Fact]
    public void Sae_fails_before_any_handshake()
    {
        var observer = new WpaJoinObserver(WifiSecurity.Wpa3Sae);

        observer.Observe(State("AUTHENTICATING"));
        observer.Observe(Disabled);

        Assert.Equal(WifiFailure.WrongPassword, observer.Failure);
    }

    [Fact]
    public void Repeated_not_found_scans_without_association_mean_the_network_is_gone()
    {
        var observer = new WpaJoinObserver(WifiSecurity.Wpa2Psk);

        for (var i = 0; i < WpaJoinObserver.NotFoundScans; i++)
        {
            Assert.Null(observer.Failure);
            observer.Observe(WpaCliParser.ParseEvent("<3>CTRL-EVENT-NETWORK-NOT-FOUND "));
        }

        Assert.Equal(WifiFailure.NetworkNotFound, observer.Failure);
    }

    [Fact]
    public void Completed_without_an_address_times_out_as_no_ip_address()
    {
        var observer = new WpaJoinObserver(WifiSecurity.Wpa2Psk);

        observer.Observe(State("COMPLETED"));
        observer.Observe(State("DISCONNECTED"));
        observer.Observe(Disabled);

        Assert.True(observer.Completed);
        Assert.Null(observer.Failure);
        Assert.Equal(WifiFailure.NoIpAddress, observer.TimedOutFailure);
    }

    [Fact]
    public void The_connected_event_counts_as_completed()
    {
        var observer = new WpaJoinObserver(WifiSecurity.Wpa2Psk);

        observer.Observe(WpaCliParser.ParseEvent("<3>CTRL-EVENT-CONNECTED - Connection to 00:11:22:33:44:55 completed [id=0 id_str=]"));

        Assert.True(observer.Completed);
    }
}
