using System.Net;
using System.Net.Sockets;
using Pi.Gateway.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// The server as a component the host turns on in softAP mode and off when online: sockets are
/// released at stop, a session ends with <see cref="ProvisioningSessionEndReason.Stopped"/>, a
/// restart serves again, and bad settings fail early.
/// </summary>
public sealed class Lifecycle_Tests
{
    [Fact]
    public async Task Stopping_ends_the_session_releases_both_ports_and_a_restart_serves_again()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var search = harness.Server.SearchEndPoint!;
        var sessionEndPoint = harness.Server.SessionEndPoint!;
        var (app, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
            Assert.Equal(1, harness.Server.PendingSessionCount);

            await harness.Server.StopAsync(CancellationToken.None);

            Assert.Empty(await session.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        var ended = await harness.Handler.WaitForAsync<SessionEndedEvent>();
        Assert.Equal(ProvisioningSessionEndReason.Stopped, ended.Reason);
        Assert.False(harness.Server.IsRunning);
        Assert.Null(harness.Server.SearchEndPoint);
        Assert.Equal(0, harness.Server.PendingSessionCount);
        AssertFree(search, sessionEndPoint);
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2001);

        await harness.Server.StartAsync(CancellationToken.None);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task A_restart_on_fixed_ports_binds_them_again_after_the_server_closed_connections()
    {
        await using var harness = await ProvisioningHarness.StartAsync(start: false);
        var options = harness.Options;
        var first = new ProvisioningServer(options, harness.Context, harness.Handler, harness.Ssids, harness.Log.For<ProvisioningServer>());
        await first.StartAsync(CancellationToken.None);
        var (searchPort, sessionPort) = (first.SearchEndPoint!.Port, first.SessionEndPoint!.Port);
        var app = harness.NewApp();
        await app.SendAsync(app.SealSearch(), first.SearchEndPoint, TestTimeouts.Token());
        var gateway = await app.ReceiveDeviceInfoAsync(skipOthers: true, TestTimeouts.Token());
        var session = await app.ConnectAsync(gateway, TestTimeouts.Token());
        Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        // The gateway closes first, so its side of the connection lingers in TIME_WAIT.
        await first.DisposeAsync();
        await session.DisposeAsync();

        options.SearchPort = searchPort;
        options.SessionPort = sessionPort;
        await using var second = new ProvisioningServer(options, harness.Context, harness.Handler, harness.Ssids, harness.Log.For<ProvisioningServer>());
        await second.StartAsync(CancellationToken.None);
        Assert.Equal(sessionPort, second.SessionEndPoint!.Port);
        await app.SendAsync(app.SealSearch(), second.SearchEndPoint!, TestTimeouts.Token());
        var again = await app.ReceiveDeviceInfoAsync(skipOthers: true, TestTimeouts.Token());
        Assert.Equal(sessionPort, again.Info.TcpPort);
    }

    [Fact]
    public async Task Stopping_during_a_join_cancels_it_and_stop_returns()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Handler.Join = async (_, _, cancellationToken) =>
        {
            await using (cancellationToken.Register(() => cancelled.TrySetResult()))
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            throw new InvalidOperationException("unreachable");
        };
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            await session.SendRawAsync(session.Seal(new WifiCredentials("HomeRouter", new SecretString("slow router"))), TestTimeouts.Token());
            await harness.Handler.WaitForAsync<JoinEvent>();

            await harness.Server.StopAsync(CancellationToken.None);

            await cancelled.Task.WaitAsync(TestTimeouts.Wait);
            Assert.Empty(await session.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        Assert.Equal(ProvisioningSessionEndReason.Stopped, (await harness.Handler.WaitForAsync<SessionEndedEvent>()).Reason);
    }

    [Fact]
    public async Task Start_and_stop_are_idempotent_and_dispose_is_final()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var endPoint = harness.Server.SessionEndPoint;
        await harness.Server.StartAsync(CancellationToken.None);
        Assert.Equal(endPoint, harness.Server.SessionEndPoint);
        Assert.Single(harness.Log.WithId(2000));

        await harness.Server.StopAsync(CancellationToken.None);
        await harness.Server.StopAsync(CancellationToken.None);
        Assert.Single(harness.Log.WithId(2001));

        await harness.Server.DisposeAsync();
        await harness.Server.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => harness.Server.StartAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_taken_port_fails_the_start_and_leaves_nothing_bound()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var searchPort = FreeUdpPort();
        await using var harness = await ProvisioningHarness.StartAsync(
            o => (o.SearchPort, o.SessionPort) = (searchPort, ((IPEndPoint)taken.LocalEndPoint!).Port),
            start: false);

        await Assert.ThrowsAsync<SocketException>(() => harness.Server.StartAsync(CancellationToken.None));

        Assert.False(harness.Server.IsRunning);
        AssertFree(new IPEndPoint(IPAddress.Loopback, searchPort), null);
    }

    [Fact]
    public async Task Bound_to_all_interfaces_it_hears_a_broadcast_search_and_announces_the_context_address()
    {
        await using var harness = await ProvisioningHarness.StartAsync(
            o => o.BindAddress = "0.0.0.0",
            context: c => c with { Ip = "127.0.0.1" });
        var app = harness.NewApp();

        // Broadcast both ways, as on the softAP (loopback's broadcast address).
        var gateway = await app.SearchAsync(new IPEndPoint(IPAddress.Parse("127.255.255.255"), harness.SearchEndPoint.Port), TestTimeouts.Token());

        Assert.Equal("127.0.0.1", gateway.Info.Ip);
        await using var session = await app.ConnectAsync(gateway, TestTimeouts.Token());
        Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
    }

    [Fact]
    public async Task Tied_to_an_interface_it_still_serves_on_it()
    {
        Assert.True(OperatingSystem.IsLinux(), "SO_BINDTODEVICE is Linux only; the gateway runs on Linux");
        await using var harness = await ProvisioningHarness.StartAsync(
            o => (o.BindAddress, o.InterfaceName) = ("0.0.0.0", "lo"),
            context: c => c with { Ip = "127.0.0.1" });
        var app = harness.NewApp();
        var gateway = await app.SearchAsync(new IPEndPoint(IPAddress.Parse("127.255.255.255"), harness.SearchEndPoint.Port), TestTimeouts.Token());
        await using var session = await app.ConnectAsync(gateway, TestTimeouts.Token());
        Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
    }

    [Fact]
    public async Task A_new_setup_code_applies_to_the_next_search()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var oldApp = harness.NewApp();
        await oldApp.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());

        var code = SetupCode.Generate();
        harness.Server.UpdateContext(harness.Context with { Secret = ProvisioningSecret.FromSetupCode(code) });

        await oldApp.SendAsync(oldApp.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());
        await harness.Log.WaitForRefusalAsync(2011, "authentication_failed");
        var newApp = harness.NewApp(secret: ProvisioningSecret.FromSetupCode(code));
        await Search_Refusal_Tests.AssertNextAnswerIsForAsync(harness, newApp);
    }

    [Fact]
    public async Task Bad_options_and_contexts_fail_early_and_name_the_field()
    {
        await using var harness = await ProvisioningHarness.StartAsync(start: false);
        var context = harness.Context;

        var options = new ProvisioningServerOptions { BindAddress = "::1", SessionPort = 70000, MaxFrameSize = 10, IdleTimeout = TimeSpan.Zero, InterfaceName = "wlan0/evil" };
        var optionsError = Assert.Throws<ArgumentException>(() => new ProvisioningServer(options, context, harness.Handler, harness.Ssids, harness.Log.For<ProvisioningServer>()));
        foreach (var field in new[] { "BindAddress", "SessionPort", "MaxFrameSize", "IdleTimeout", "InterfaceName" })
        {
            Assert.Contains(field, optionsError.Message, StringComparison.Ordinal);
        }
        Assert.True(new ProvisioningServerOptionsValidator().Validate(null, options).Failed);
        Assert.True(new ProvisioningServerOptionsValidator().Validate(null, new ProvisioningServerOptions()).Succeeded);

        Assert.Throws<ArgumentException>(() => harness.Server.UpdateContext(context with { Mac = "b8:27:eb:12:34:56" }));
        Assert.Throws<ArgumentException>(() => harness.Server.UpdateContext(context with { Uuid = "not-a-uuid" }));
        Assert.Throws<ArgumentException>(() => harness.Server.UpdateContext(context with { Ip = "127.1" }));
        Assert.Throws<ArgumentException>(() => harness.Server.UpdateContext(context with { VerificationCode = new SecretString(string.Empty) }));
        Assert.Same(context, harness.Server.Context);

        // Bound to all interfaces, deviceInfo needs the address from the context.
        await using var wildcard = new ProvisioningServer(new ProvisioningServerOptions { SearchPort = 0, SessionPort = 0 }, context, harness.Handler, harness.Ssids, harness.Log.For<ProvisioningServer>());
        await Assert.ThrowsAsync<ArgumentException>(() => wildcard.StartAsync(CancellationToken.None));
        Assert.False(wildcard.IsRunning);
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static void AssertFree(IPEndPoint udp, IPEndPoint? tcp)
    {
        using var udpProbe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udpProbe.Bind(udp);
        if (tcp is not null)
        {
            using var tcpProbe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcpProbe.Bind(tcp);
            tcpProbe.Listen();
        }
    }
}
