using Pi.Gateway.Provisioning;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// A gateway that holds a registration offers no provisioning session: an authentic search hears
/// <c>already_provisioned</c> under the searcher's own agreekey (docs/protocol.md section 5, rule 6).
/// </summary>
public sealed class Provisioned_Gateway_Tests
{
    [Fact]
    public async Task An_authentic_search_hears_already_provisioned_and_no_session_is_offered()
    {
        await using var harness = await ProvisioningHarness.StartAsync(context: c => c with { Provisioned = true, Joined = true });
        Assert.Null(harness.Server.SessionEndPoint); // no TCP port at all

        var app = harness.NewApp();
        await app.SendAsync(app.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());
        var answer = Assert.IsType<ProvisioningError>(await app.ReceiveAnswerAsync(TestTimeouts.Token()));

        Assert.Equal(ProtocolErrorCode.AlreadyProvisioned, answer.Code);
        Assert.Contains("reset", answer.Message, StringComparison.Ordinal);
        Assert.Equal(0, harness.Server.PendingSessionCount);
        Assert.Single(harness.Log.WithId(2014));
        Assert.DoesNotContain(harness.Log.Lines, line => line.Message.Contains(harness.SetupCode.ToCanonicalString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_search_under_another_setup_code_still_gets_no_answer()
    {
        await using var harness = await ProvisioningHarness.StartAsync(context: c => c with { Provisioned = true });
        var stranger = harness.NewApp(secret: ProvisioningHarness.SecretOf(Pi.Protocol.Crypto.SetupCode.Generate()));
        var owner = harness.NewApp();

        await stranger.SendAsync(stranger.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());
        await harness.Log.WaitForRefusalAsync(2011, "authentication_failed");
        await owner.SendAsync(owner.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());

        // Both APPs share port2: the first datagram there is the owner's answer, so the stranger's
        // search was not answered.
        var answer = Assert.IsType<ProvisioningError>(await owner.ReceiveAnswerAsync(TestTimeouts.Token()));
        Assert.Equal(ProtocolErrorCode.AlreadyProvisioned, answer.Code);
    }

    [Fact]
    public async Task Marking_the_gateway_provisioned_ends_the_sessions_earlier_searches_were_offered()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var early = harness.NewApp();
        var found = await early.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        Assert.Equal(1, harness.Server.PendingSessionCount);

        harness.Server.UpdateContext(harness.Context with { Provisioned = true });

        Assert.Equal(0, harness.Server.PendingSessionCount);
        await using (var session = await early.ConnectAsync(found, TestTimeouts.Token()))
        {
            // Rule 3: a first frame naming no pending session closes the connection unanswered.
            await session.SendRawAsync(session.Seal(new GetSsidList()), TestTimeouts.Token());
            Assert.Empty(await session.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        var late = harness.NewApp();
        await late.SendAsync(late.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());
        Assert.Equal(ProtocolErrorCode.AlreadyProvisioned, Assert.IsType<ProvisioningError>(await late.ReceiveAnswerAsync(TestTimeouts.Token())).Code);
    }
}
