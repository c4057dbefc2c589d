using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using static Pi.App.Walkthrough.Parties;

namespace Pi.App.Walkthrough;

/// <summary>
/// Act two: login, the session channel, a second login, the sub-device link, reset-unbind and logout
/// (S200-S500, S403), with the replays and stale keys each party must refuse.
/// </summary>
internal static class SessionAct
{
    /// <returns>The gateway's tid, as the login envelope's header shows it to anyone.</returns>
    public static string Login(Narrator n, GatewayParty gateway, CloudParty cloud, string heading)
    {
        n.Step(SeedSteps.Login, heading);
        var challengeRequest = gateway.RequestChallenge();
        n.Send(GatewayName, CloudName, "HTTPS POST (inside TLS)", Wire.PlainJson, challengeRequest);
        var challenge = cloud.IssueChallenge(challengeRequest);
        n.Send(CloudName, GatewayName, "HTTPS reply (inside TLS)", Wire.PlainJson, challenge);
        var request = gateway.ReceiveChallenge(challenge);
        n.Send(GatewayName, CloudName, "HTTPS POST, login envelope", Wire.Envelope, request);

        n.Step(SeedSteps.Authenticate, "The cloud finds the gateway's accesskey, opens the login and authenticates tid and password");
        var reply = cloud.Login(request);

        n.Step(SeedSteps.SessionKey, "Login succeeded: a random sessionkey for this session only, in the sealed reply");
        n.Send(CloudName, GatewayName, "HTTPS reply, login envelope", Wire.Envelope, reply);
        gateway.ReceiveLoginReply(reply);
        return SessionEnvelope.ReadHeader(request).Tid!;
    }

    /// <summary>S402: a command down, its result up; then a replay of the command is refused.</summary>
    /// <returns>A captured up-envelope of this session, for the stale-key checks later.</returns>
    public static byte[] RemoteControl(Narrator n, GatewayParty gateway, CloudParty cloud, string tid)
    {
        n.Step(SeedSteps.Session, "Session: a remote control command and its answer, both under the sessionkey");
        var command = cloud.SendRequest(tid, "identify", did: null, """{"seconds":5}""");
        n.Send(CloudName, GatewayName, "MQTT pi/v2/gw/" + tid + "/down", Wire.Envelope, command);
        var answer = gateway.ReceiveDown(command) ?? throw new InvalidOperationException("the gateway did not answer");
        n.Send(GatewayName, CloudName, "MQTT pi/v2/gw/" + tid + "/up", Wire.Envelope, answer.Bytes);
        cloud.ReceiveUp(answer.Bytes);

        n.Says("attacker", "replays the captured command to the gateway");
        n.ExpectRefusal(GatewayName, "the replayed command", () => gateway.ReceiveDown(command), ProtocolErrorCode.Replayed);
        return answer.Bytes;
    }

    public static void SecondLogin(Narrator n, GatewayParty gateway, CloudParty cloud, byte[] capturedFromFirstSession)
    {
        Login(n, gateway, cloud, "Second login (the gateway reconnected): a new challenge, a new loginkey, a new sessionkey");
        n.Why("compare the sessionkey above with the first one: the cloud generates a new one at every login");
        n.Says("attacker", "replays an envelope captured in the first session");
        n.ExpectRefusal(CloudName, "the first session's envelope", () => cloud.ReceiveUp(capturedFromFirstSession), ProtocolErrorCode.KeyIdMismatch);
    }

    public static void SubDevice(Narrator n, AppParty app, GatewayParty gateway, CloudParty cloud, SubDeviceParty lamp, string tid)
    {
        n.Step(SeedSteps.SubDevice, "Sub-device: registered at the cloud by the APP, linked to the gateway with a key from its localkey");
        var registerRequest = app.SubDeviceRegistrationRequest(lamp.Kind);
        n.Send(AppName, CloudName, "HTTPS POST (inside TLS)", Wire.PlainJson, registerRequest);
        var (forApp, forGateway) = cloud.RegisterSubDevice(app.User, registerRequest);
        n.Send(CloudName, AppName, "HTTPS reply (inside TLS)", Wire.PlainJson, forApp);
        lamp.ReceiveCredentials(app.ReceiveSubDevice(forApp));
        n.Send(CloudName, GatewayName, "MQTT pi/v2/gw/" + tid + "/down", Wire.Envelope, forGateway);
        var added = gateway.ReceiveDown(forGateway) ?? throw new InvalidOperationException("the gateway did not acknowledge");
        n.Send(GatewayName, CloudName, "MQTT pi/v2/gw/" + tid + "/up", Wire.Envelope, added.Bytes);
        cloud.ReceiveUp(added.Bytes);

        n.Says(SubDeviceName, "connects to the gateway's local broker");
        var hello = lamp.Hello();
        n.Send(SubDeviceName, GatewayName, $"MQTT pi/v2/dev/{lamp.Did}/hello", Wire.PlainJson, hello);
        var welcome = gateway.ReceiveHello(lamp.Did, hello);
        n.Send(GatewayName, SubDeviceName, $"MQTT pi/v2/dev/{lamp.Did}/welcome", Wire.PlainJson, welcome);
        lamp.ReceiveWelcome(welcome);

        n.Says(AppName, "the user switches the lamp on (the APP asks the cloud over HTTPS)");
        var command = cloud.SendRequest(tid, "switch.set", lamp.Did, """{"on":true}""");
        n.Send(CloudName, GatewayName, "MQTT pi/v2/gw/" + tid + "/down", Wire.Envelope, command);
        var forLamp = gateway.ReceiveDown(command) ?? throw new InvalidOperationException("the gateway did not forward");
        n.Send(GatewayName, SubDeviceName, $"MQTT pi/v2/dev/{lamp.Did}/down (down envelope)", Wire.Envelope, forLamp.Bytes);
        var fromLamp = lamp.ReceiveDown(forLamp.Bytes);
        n.Send(SubDeviceName, GatewayName, $"MQTT pi/v2/dev/{lamp.Did}/up (up envelope)", Wire.Envelope, fromLamp);
        var upToCloud = gateway.ReceiveFromSubDevice(fromLamp);
        n.Send(GatewayName, CloudName, "MQTT pi/v2/gw/" + tid + "/up", Wire.Envelope, upToCloud);
        cloud.ReceiveUp(upToCloud);
        n.Why("LAN leg under the link key (from the localkey), WAN leg under the sessionkey: different keys, as the seed requires");
    }

    public static void ResetAndLogout(Narrator n, GatewayParty gateway, CloudParty cloud, string tid)
    {
        n.Step(SeedSteps.Reset, "Reset pressed by hand (embodiment 2): reset-unbind before going back to softAP");
        var reset = gateway.ResetPressed();
        n.Send(GatewayName, CloudName, "MQTT pi/v2/gw/" + tid + "/up", Wire.Envelope, reset);
        var result = cloud.ReceiveUp(reset) ?? throw new InvalidOperationException("the cloud did not answer");
        n.Send(CloudName, GatewayName, "MQTT pi/v2/gw/" + tid + "/down", Wire.Envelope, result);
        gateway.ReceiveDown(result);

        n.Step(SeedSteps.Logout, "Logout: the cloud invalidates the sessionkey; the gateway discards it");
        var logout = gateway.LogOut();
        n.Send(GatewayName, CloudName, "MQTT pi/v2/gw/" + tid + "/up", Wire.Envelope, logout);
        var ack = cloud.ReceiveUp(logout) ?? throw new InvalidOperationException("the cloud did not acknowledge");
        n.Send(CloudName, GatewayName, "MQTT pi/v2/gw/" + tid + "/down", Wire.Envelope, ack);
        gateway.ReceiveDown(ack);
        n.Says("attacker", "replays the logout envelope after the session ended");
        n.ExpectRefusal(CloudName, "the old session's envelope", () => cloud.ReceiveUp(logout), ProtocolErrorCode.SessionExpired);
        n.Says("attacker", "replays the cloud's last envelope to the gateway");
        n.ExpectRefusal(GatewayName, "the old session's envelope", () => gateway.ReceiveDown(ack), ProtocolErrorCode.SessionExpired);
    }
}
