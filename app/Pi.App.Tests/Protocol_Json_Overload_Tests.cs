using System.Text;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.App.Tests;

/// <summary>
/// Regression tests for a Pi.Protocol bug the walkthrough ran into: <c>ProtocolJson.Serialize(new Ack(..))</c>
/// binds to the generic overload, which used to drop the <c>type</c> member. They belong with
/// Pi.Protocol's own tests; they live here until those land.
/// </summary>
public sealed class Protocol_Json_Overload_Tests
{
    [Fact]
    public void A_concrete_session_message_keeps_its_type_member()
    {
        var json = Encoding.UTF8.GetString(ProtocolJson.Serialize(new Ack("t1")));

        Assert.Equal("""{"type":"ack","txn":"t1"}""", json);
        Assert.Equal(new Ack("t1"), ProtocolJson.DeserializeSession(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Deserializing_one_session_type_refuses_another()
    {
        var logout = ProtocolJson.Serialize(new Logout("t2"));

        var error = Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<Ack>(logout));

        Assert.Equal(ProtocolErrorCode.UnexpectedMessage, error.Code);
        Assert.Equal(new Logout("t2"), ProtocolJson.Deserialize<Logout>(logout));
    }

    [Fact]
    public void Provisioning_messages_carry_no_frame_type_member()
    {
        Assert.Equal("""{"tid":"gw1"}""", Encoding.UTF8.GetString(ProtocolJson.Serialize(new RegistrationAck("gw1"))));
    }
}
