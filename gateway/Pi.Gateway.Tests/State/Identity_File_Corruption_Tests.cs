using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.State;

/// <summary>
/// The identity is on the printed label, so a corrupt identity.json never turns silently into a new
/// identity: the gateway refuses to start (naming the file and the way out) unless it is started
/// once with --regenerate-identity.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class Identity_File_Corruption_Tests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_corrupt_identity_stops_the_gateway_with_the_file_and_the_way_out_and_leaves_the_file_alone()
    {
        var original = await CreateIdentityAndCorruptItAsync(json => json[..(json.Length * 2 / 3)]);
        var corrupt = await File.ReadAllBytesAsync(_harness.File("identity.json"));

        var error = await Assert.ThrowsAsync<IdentityCorruptException>(() =>
            _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None));

        Assert.Equal(_harness.File("identity.json"), error.Path);
        Assert.Contains(_harness.File("identity.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains("--regenerate-identity", error.Message, StringComparison.Ordinal);
        Assert.Contains("backup", error.Message, StringComparison.Ordinal);
        Assert.Equal(78, IdentityCorruptException.ExitCode);
        var critical = Assert.Single(_harness.Log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal((LogLevel.Critical, 2104), (critical.Level, critical.EventId.Id));
        Assert.Contains(_harness.File("identity.json"), critical.Message, StringComparison.Ordinal);
        Assert.Contains("--regenerate-identity", critical.Message, StringComparison.Ordinal);
        AssertNoSecret(error.Message + _harness.Log.AllText, original);
        Assert.Equal(corrupt, await File.ReadAllBytesAsync(_harness.File("identity.json")));
    }

    [Fact]
    public async Task Every_later_start_refuses_again()
    {
        await CreateIdentityAndCorruptItAsync(_ => "{}");

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<IdentityCorruptException>(() =>
                _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None));
        }

        Assert.Equal(3, _harness.Log.Entries.Count(e => e.EventId.Id == 2104));
        Assert.DoesNotContain(_harness.FileNames(), n => n.Contains(".corrupt-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_setup_code_with_a_wrong_check_symbol_is_corrupt_and_not_quoted()
    {
        var original = await CreateIdentityAndCorruptItAsync(json =>
        {
            var display = json.Split('"').First(s => s.Length == 20 && s[6] == '-' && s[13] == '-');
            var wrong = display[..^1] + (display[^1] == '0' ? '1' : '0');
            return json.Replace(display, wrong, StringComparison.Ordinal);
        });

        var error = await Assert.ThrowsAsync<IdentityCorruptException>(() =>
            _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None));

        Assert.Contains("check symbol", error.Problem, StringComparison.Ordinal);
        Assert.Contains("$.setupCode", error.Problem, StringComparison.Ordinal);
        AssertNoSecret(error.Message + _harness.Log.AllText, original);
    }

    [Fact]
    public async Task Regenerating_moves_the_corrupt_identity_aside_and_starts_over_as_a_new_device()
    {
        var original = await CreateIdentityAndCorruptItAsync(json => json.Replace("\"version\": 1", "\"version\": 9", StringComparison.Ordinal));
        var store = _harness.Start();
        await store.SaveRegistrationAsync(Samples.Registration(), CancellationToken.None);
        await store.SaveSubDevicesAsync(Samples.SubDevices, CancellationToken.None);

        var regenerated = await _harness.Start(regenerateIdentity: true).LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);

        Assert.NotEqual(original.Uuid, regenerated.Uuid);
        Assert.NotEqual(original.SetupCode, regenerated.SetupCode);
        Assert.Equal(["flags.json", "identity.json", "identity.json.corrupt-20250314T150926535Z"], _harness.FileNames());
        var next = _harness.Start();
        Assert.Equal(regenerated, await next.LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None));
        Assert.True(await next.LoadResetFlagAsync(CancellationToken.None));
        Assert.Equal(StateFileStatus.Missing, (await next.LoadRegistrationAsync(CancellationToken.None)).Status);
        var warning = Assert.Single(_harness.Log.Entries, e => e.EventId.Id == 2105);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("format version 9", warning.Message, StringComparison.Ordinal);
        Assert.Contains("identity.json.corrupt-20250314T150926535Z", warning.Message, StringComparison.Ordinal);
        AssertNoSecret(_harness.Log.AllText, original, regenerated);
    }

    [Fact]
    public async Task Regenerating_never_replaces_a_valid_identity()
    {
        var original = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);

        var kept = await _harness.Start(regenerateIdentity: true).LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);

        Assert.Equal(original, kept);
        Assert.Single(_harness.Log.Entries, e => e.EventId.Id == 2108);
    }

    private async Task<Pi.Gateway.State.GatewayIdentity> CreateIdentityAndCorruptItAsync(Func<string, string> corrupt)
    {
        var identity = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        var path = _harness.File("identity.json");
        await File.WriteAllTextAsync(path, corrupt(await File.ReadAllTextAsync(path)));
        return identity;
    }

    private static void AssertNoSecret(string text, params Pi.Gateway.State.GatewayIdentity[] identities)
    {
        foreach (var secret in Samples.SecretTexts(identities))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }
}
