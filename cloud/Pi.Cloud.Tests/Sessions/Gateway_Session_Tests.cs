using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pi.Cloud.Options;
using Pi.Cloud.Sessions;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Tests.Sessions;

public class Gateway_Session_Tests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private SessionRegistry NewRegistry(TimeSpan? lifetime = null)
    {
        var options = new CloudOptions();
        options.Login.SessionLifetime = lifetime ?? TimeSpan.FromHours(1);
        return new SessionRegistry(_time, Microsoft.Extensions.Options.Options.Create(options));
    }

    [Fact]
    public void Each_session_has_its_own_key_id_and_token_and_a_newer_one_ends_the_older()
    {
        using var registry = NewRegistry();
        var (first, firstKey, firstToken, none) = registry.Start("gw-1");
        var (second, secondKey, secondToken, replaced) = registry.Start("gw-1");

        Assert.Null(none);
        Assert.Same(first, replaced);
        Assert.True(first.IsEnded);
        Assert.NotEqual(first.KeyId, second.KeyId);
        Assert.NotEqual(firstKey, secondKey);
        Assert.NotEqual(firstToken, secondToken);
        Assert.False(registry.IsValidSessionToken("gw-1", System.Text.Encoding.UTF8.GetBytes(firstToken)));
        Assert.True(registry.IsValidSessionToken("gw-1", System.Text.Encoding.UTF8.GetBytes(secondToken)));
        Assert.False(registry.IsValidSessionToken("gw-2", System.Text.Encoding.UTF8.GetBytes(secondToken)));
        Assert.Same(second, registry.Find("gw-1"));
    }

    [Fact]
    public void Packets_open_only_under_a_live_session_and_never_twice()
    {
        using var registry = NewRegistry(TimeSpan.FromMinutes(5));
        var (session, key, _, _) = registry.Start("gw-1");
        using var gateway = new EnvelopeSealer(key, session.KeyId, Direction.GatewayToCloud);
        var packet = gateway.Seal(new SessionRequest("t-1", "heartbeat"), "gw-1");

        var (header, message) = session.Open(packet, _time.GetUtcNow());
        Assert.Equal("gw-1", header.Tid);
        Assert.Equal("t-1", Assert.IsType<SessionRequest>(message).Txn);
        Assert.Equal(ProtocolErrorCode.Replayed, Assert.Throws<ProtocolException>(() => session.Open(packet, _time.GetUtcNow())).Code);

        var late = gateway.Seal(new SessionRequest("t-2", "heartbeat"), "gw-1");
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(ProtocolErrorCode.SessionExpired, Assert.Throws<ProtocolException>(() => session.Open(late, _time.GetUtcNow())).Code);
        Assert.Null(registry.Find("gw-1"));
        Assert.Same(session, Assert.Single(registry.RemoveExpired()));
        Assert.True(session.IsEnded);
        Assert.Throws<ProtocolException>(() => session.Seal(new Ack("t-3")));
    }

    [Fact]
    public void Ending_a_replaced_session_leaves_the_newer_one_alone()
    {
        using var registry = NewRegistry();
        var (first, _, _, _) = registry.Start("gw-1");
        var (second, _, _, _) = registry.Start("gw-1");
        Assert.False(registry.End(first));
        Assert.Same(second, registry.Find("gw-1"));
        Assert.True(registry.End(second));
        Assert.Null(registry.Find("gw-1"));
    }
}
