using Pi.Protocol.Crypto;
using static Pi.App.Walkthrough.Parties;

namespace Pi.App.Walkthrough;

/// <summary>
/// The seed's whole protocol in memory: an APP, a gateway, a cloud and a sub-device, each a separate
/// object holding only its own secrets, joined by nothing but byte arrays.
/// </summary>
internal static class WalkthroughScript
{
    private static readonly (string Secret, string Holders, string Note)[] Custody =
    [
        ("setup code", "gateway; the APP from the label", "never sent; it salts the searchkey and the agreekeys"),
        ("agreekeys", "APP and gateway, one per answered search", "gone when their TCP connection closed"),
        ("accesskey", "cloud, gateway (delivered by the APP)", "used only to derive login keys"),
        ("localkey", "cloud, gateway, sub-device (via the APP)", "used only to derive link keys"),
        ("sessionkeys", "cloud and gateway, one per login", "the APP and the sub-device never see one"),
        ("link key", "gateway and sub-device, one per connection", "the cloud never sees it"),
    ];

    public static void Run(Narrator n)
    {
        n.Line("Pi Gateway walkthrough: the seed's gateway communication method, end to end, in memory.");
        n.Line("Four parties (APP, gateway, cloud, sub-device) built from Pi.Protocol; only bytes pass between them.");
        n.Line($"Every value is fresh randomness from this run. Bytes are hex{(n.Full ? string.Empty : "; long values are cut in the middle (--full shows all)")}.");
        n.Line("Lines starting with | explain; \"verified\" means the receiver authenticated (or, over TLS, checked) what it got.");

        n.Step("factory", "A gateway is made: identity, setup code and the maker's registry entry");
        using var gateway = GatewayParty.Manufacture(n, out var label, out var record);
        using var cloud = new CloudParty(n);
        cloud.AddToRegistry(record);
        n.Says(CloudName, "its device registry now knows mac, sn, uuid and the verification code (never the setup code)");
        using var app = new AppParty(n);
        using var lamp = new SubDeviceParty(n, "lamp");

        ProvisioningAct.Run(n, app, gateway, cloud, label);
        var tid = SessionAct.Login(n, gateway, cloud, "Login: the gateway seals tid and password under a key from its accesskey");
        ProvisioningAct.Bind(n, app, cloud);
        var captured = SessionAct.RemoteControl(n, gateway, cloud, tid);
        SessionAct.SecondLogin(n, gateway, cloud, captured);
        SessionAct.SubDevice(n, app, gateway, cloud, lamp, tid);
        SessionAct.ResetAndLogout(n, gateway, cloud, tid);

        n.Line();
        n.Line("Who held which secret (each party is its own object; nothing but the bytes above passed between them):");
        foreach (var (secret, holders, note) in Custody)
        {
            n.Line($"  {secret,-13}{holders,-46}{note}");
        }
        n.Line();
        n.Line($"{n.Verified} sealed messages authenticated by their receivers, {n.PlainChecked} plain messages checked over TLS or the local broker,");
        n.Line($"{n.Refused} replayed or stale packets refused. Seed steps shown: {string.Join(", ", n.StepsShown.Distinct())}.");
        n.Line($"walkthrough completed: {n.Verified} messages, all verified");
    }
}
