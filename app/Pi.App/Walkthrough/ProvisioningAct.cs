using System.Globalization;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using static Pi.App.Walkthrough.Parties;

namespace Pi.App.Walkthrough;

/// <summary>
/// Act one: from the factory to a registered gateway (H10-S104), in the order of docs/protocol.md
/// section 5. Only bytes pass between the parties; each step prints what crossed the wire.
/// </summary>
internal static class ProvisioningAct
{
    private static readonly string SearchWire = string.Create(CultureInfo.InvariantCulture, $"UDP broadcast to port1 ({ProvisioningDefaults.SearchPort}), datagram");
    private static readonly string AnswerWire = string.Create(CultureInfo.InvariantCulture, $"UDP broadcast to port2 ({ProvisioningDefaults.AnswerPort}), datagram");
    private const string StreamWire = "TCP stream frame";

    public static void Run(Narrator n, AppParty app, GatewayParty gateway, CloudParty cloud, GatewayLabel label)
    {
        n.Step(SeedSteps.KeyPairs, "Key pairs: the APP and the gateway each use ephemeral P-256 key pairs");
        app.ShowKeyPair();
        n.Says(GatewayName, "makes its third key pair new for every search it answers (so every agreekey is new)");

        n.Step(SeedSteps.SoftAp, "The gateway starts its Wi-Fi access point; the APP scans the QR label and joins it");
        n.Says(GatewayName, $"softAP \"{gateway.SoftApSsid}\" (brand_category_last 3 bytes of the MAC), address {Network.SoftApAddress}");
        n.Says(AppName, $"logs in to the cloud as {app.User} (embodiment 2; HTTPS)");
        var appLogin = cloud.AppLogin(app.User);
        n.Send(CloudName, AppName, "HTTPS reply (inside TLS)", Wire.PlainJson, appLogin);
        app.ReceiveAppLogin(appLogin);
        app.ScanLabel(label, gateway.SoftApSsid);

        n.Step(SeedSteps.Search, "searchDevice: the APP broadcasts its search, sealed with the searchkey");
        var firstSearch = app.Search();
        n.Send(AppName, GatewayName, SearchWire, Wire.Datagram, firstSearch);

        n.Step(SeedSteps.OpenSearch, "The gateway takes public key 1 from the payload region, opens the search, derives the agreekey");
        var deviceInfo = gateway.ReceiveSearch(firstSearch);

        n.Step(SeedSteps.DeviceInfo, "deviceInfo: the gateway answers under the agreekey, public key 2 in the payload region");
        n.Send(GatewayName, AppName, AnswerWire, Wire.Datagram, deviceInfo);

        n.Step(SeedSteps.OpenDeviceInfo, "The APP derives the same agreekey, opens the device info and connects over TCP");
        app.ReceiveDeviceInfo(deviceInfo);
        gateway.AcceptConnection();
        n.Why("the tag verified, so both sides hold the same agreekey; without the setup code a man in the middle derives another");

        n.Step(SeedSteps.SsidList, "SSID list: the APP asks over TCP, the gateway answers");
        var getSsids = app.RequestSsids();
        n.Send(AppName, GatewayName, StreamWire, Wire.Stream, getSsids);
        var ssids = gateway.ReceiveStream(getSsids);
        n.Send(GatewayName, AppName, StreamWire, Wire.Stream, ssids);

        n.Step(SeedSteps.WifiCredentials, "Wi-Fi credentials: the user picks a router; SSID and password go over under the agreekey");
        var credentials = app.ChooseNetwork(ssids);
        n.Send(AppName, GatewayName, StreamWire, Wire.Stream, credentials);
        var wifiResult = gateway.ReceiveStream(credentials);
        n.Send(GatewayName, AppName, StreamWire, Wire.Stream, wifiResult);
        app.ReceiveWifiResult(wifiResult);
        gateway.CloseConnection();

        n.Step(SeedSteps.StartTls, "The APP goes back to the router's network and opens TLS to the cloud");
        n.Says(AppName, "HTTPS from here on; the protocol's own sealing covers what TLS does not reach (the gateway's LAN, the login)");

        n.Step(SeedSteps.RegisterRequest, "The APP registers the gateway at the cloud on its behalf");
        var registerRequest = app.RegistrationRequest();
        n.Send(AppName, CloudName, "HTTPS POST (inside TLS)", Wire.PlainJson, registerRequest);

        n.Step(SeedSteps.Register, "The cloud registers tid and password and allocates the first key pair (accesskey, localkey)");
        var registration = cloud.RegisterGateway(app.User, registerRequest);
        n.Send(CloudName, AppName, "HTTPS reply (inside TLS)", Wire.PlainJson, registration);
        app.ReceiveRegistration(registration);

        n.Step(SeedSteps.DeliverRegistration, "The APP finds the gateway on the router's LAN and delivers the registration under a new agreekey");
        n.Why("the softAP connection is gone, so the APP searches again: a new gateway key pair, a new agreekey, a new connection");
        var secondSearch = app.Search();
        n.Send(AppName, GatewayName, "UDP broadcast on the router's LAN to port1, datagram", Wire.Datagram, secondSearch);
        n.Says("attacker", "replays the first searchDevice it captured on the softAP");
        n.ExpectRefusal(GatewayName, "the replayed search", () => gateway.ReceiveSearch(firstSearch), ProtocolErrorCode.Replayed);
        var secondInfo = gateway.ReceiveSearch(secondSearch);
        n.Send(GatewayName, AppName, AnswerWire, Wire.Datagram, secondInfo);
        app.ReceiveDeviceInfo(secondInfo);
        gateway.AcceptConnection();
        var delivery = app.DeliverRegistration();
        n.Send(AppName, GatewayName, StreamWire, Wire.Stream, delivery);

        n.Step(SeedSteps.StoreRegistration, "The gateway decrypts and stores the registration, and acknowledges");
        var ack = gateway.ReceiveStream(delivery);
        n.Send(GatewayName, AppName, StreamWire, Wire.Stream, ack);
        app.ReceiveRegistrationAck(ack);
        gateway.CloseConnection();
    }

    /// <summary>Embodiment 2's binding, once the gateway is online: the hash proves the APP just talked to it.</summary>
    public static void Bind(Narrator n, AppParty app, CloudParty cloud)
    {
        n.Step(SeedSteps.Bind, "Binding (embodiment 2): the APP asks the cloud to bind the gateway, with the hash from deviceInfo");
        var bind = app.BindRequest();
        n.Send(AppName, CloudName, "HTTPS POST (inside TLS)", Wire.PlainJson, bind);
        var bound = cloud.Bind(app.User, bind);
        n.Send(CloudName, AppName, "HTTPS reply (inside TLS)", Wire.PlainJson, bound);
        app.ReceiveBindResult(bound);
    }
}
