using System.Runtime.Versioning;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.State;

/// <summary>A whole life of the store, logged at trace level, writes no password, key, setup code or verification code.</summary>
[SupportedOSPlatform("linux")]
public sealed class Secrets_Never_Logged_Tests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task No_secret_reaches_the_log_or_an_exception_in_a_whole_life_of_the_store()
    {
        var messages = new List<string>();
        var store = _harness.Start();
        var identity = await store.LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        await store.SaveRegistrationAsync(Samples.Registration(pending: Samples.Pending), CancellationToken.None);
        await store.SaveSubDevicesAsync(Samples.SubDevices, CancellationToken.None);
        await store.SaveResetFlagAsync(false, CancellationToken.None);
        var next = _harness.Start();
        await next.LoadRegistrationAsync(CancellationToken.None);
        await next.LoadSubDevicesAsync(CancellationToken.None);

        // Break every file, read them, refuse bad input, regenerate the identity, wipe.
        foreach (var name in new[] { "registration.json", "subdevices.json", "flags.json" })
        {
            var text = await File.ReadAllTextAsync(_harness.File(name));
            await File.WriteAllTextAsync(_harness.File(name), text[..(text.Length - 3)] + Samples.Password);
        }
        var broken = _harness.Start();
        messages.Add((await broken.LoadRegistrationAsync(CancellationToken.None)).Problem!);
        messages.Add((await broken.LoadSubDevicesAsync(CancellationToken.None)).Problem!);
        await broken.LoadResetFlagAsync(CancellationToken.None);
        messages.Add((await Assert.ThrowsAsync<ArgumentException>(() =>
            broken.SaveRegistrationAsync(Samples.Registration("x y") with { Password = new Pi.Protocol.Crypto.SecretString(Samples.Password) }, CancellationToken.None))).Message);
        var identityText = await File.ReadAllTextAsync(_harness.File("identity.json"));
        await File.WriteAllTextAsync(_harness.File("identity.json"), identityText.Replace("\"uuid\"", "\"" + identity.VerificationCode.Reveal() + "\"", StringComparison.Ordinal));
        messages.Add((await Assert.ThrowsAsync<IdentityCorruptException>(() =>
            _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None))).Message);
        var regenerated = await _harness.Start(regenerateIdentity: true).LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        await _harness.Start().WipeCredentialsAsync(CancellationToken.None);

        var everything = string.Join('\n', messages) + '\n' + _harness.Log.AllText;
        Assert.True(_harness.Log.Entries.Count >= 10);
        foreach (var secret in Samples.SecretTexts(identity, regenerated))
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }
}
