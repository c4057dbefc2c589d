using System.Net.Http.Headers;
using System.Text.Json;
using Pi.Hil.Simulated;
using Pi.Protocol.Labels;

namespace Pi.Hil.Tests;

/// <summary>Steps the scenarios share, each through the real APP process or the rig.</summary>
internal static class Steps
{
    /// <summary>The APP provisions the rig's gateway onto <paramref name="ssid"/> as <paramref name="user"/>.</summary>
    public static Task<ProvisionResult> ProvisionAsync(SimulatedRig rig, AppUser user, CancellationToken ct, string? ssid = null, string? password = null) =>
        rig.Driver.ProvisionAsync(user, new ProvisionRequest(rig.Gateway.QrPayload(), ssid ?? SimulatedRigOptions.Home.Ssid, password ?? SimulatedRigOptions.Home.Password)
        {
            VerificationCode = rig.Gateway.VerificationCode(),
        }, ct);

    /// <summary>Provisions and checks the documented connected outcome; returns the tid.</summary>
    public static async Task<string> ProvisionToOnlineAsync(SimulatedRig rig, AppUser user, CancellationToken ct)
    {
        var result = await ProvisionAsync(rig, user, ct);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("connected", result.OutcomeName);
        Assert.True(result.Outcome!.Value.GetProperty("online").GetBoolean());
        Assert.True(result.Outcome!.Value.GetProperty("bound").GetBoolean());
        var tid = result.Member("tid")!;
        Assert.StartsWith("gw", tid, StringComparison.Ordinal);
        // Online, or online with a key-expiry warning on its LEDs (Core/README.md).
        await rig.Gateway.WaitForTransitionAsync(s => s is "Online" or "KeyExpiring", "Online", TimeSpan.FromSeconds(20), ct, includeCurrent: true);
        return tid;
    }

    /// <summary><c>pi-app gateways --json</c> as <paramref name="user"/>.</summary>
    public static async Task<JsonElement> GatewaysAsync(SimulatedRig rig, AppUser user, CancellationToken ct)
    {
        var result = await rig.App.RunAsync(user, ["gateways", "--json"], cancellationToken: ct);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json;
    }

    /// <summary>The gateway's view in <c>gateways --json</c>, or null when the user has no such gateway.</summary>
    public static async Task<JsonElement?> ViewAsync(SimulatedRig rig, AppUser user, string tid, CancellationToken ct)
    {
        foreach (var view in (await GatewaysAsync(rig, user, ct)).EnumerateArray())
        {
            if (view.GetProperty("tid").GetString() == tid)
            {
                return view;
            }
        }
        return null;
    }

    /// <summary><c>pi-app send tid command</c>.</summary>
    public static Task<CliResult> SendAsync(SimulatedRig rig, AppUser user, string tid, string command, CancellationToken ct, string? did = null, string? args = null)
    {
        List<string> arguments = ["send", tid, command, "--json"];
        if (did is not null)
        {
            arguments.AddRange(["--did", did]);
        }
        if (args is not null)
        {
            arguments.AddRange(["--args", args]);
        }
        return rig.App.RunAsync(user, arguments, cancellationToken: ct);
    }

    /// <summary>The user's stored APP session (token and login nonce), as the APP keeps it.</summary>
    public static (string Token, byte[] Nonce) Session(AppUser user)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(user.ConfigDirectory, "session.json")));
        string Member(string name) => document.RootElement.EnumerateObject().First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value.GetString()!;
        return (Member("token"), Convert.FromBase64String(Member("nonce")));
    }

    /// <summary>An HTTP request to the cloud's APP API with <paramref name="user"/>'s token (from the rig's side of the network).</summary>
    public static async Task<HttpResponseMessage> PostAsUserAsync(SimulatedRig rig, AppUser user, string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(rig.Cloud.Url, path))
        {
            Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Session(user).Token);
        return await rig.CloudProcess.Http.SendAsync(request, ct);
    }
}
