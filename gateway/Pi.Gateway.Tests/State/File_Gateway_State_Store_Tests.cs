using System.Runtime.Versioning;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.Tests.State;

[SupportedOSPlatform("linux")]
public sealed class File_Gateway_State_Store_Tests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Creates_the_data_directory_owner_only()
    {
        await _harness.Start().LoadResetFlagAsync(CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_harness.DataDirectory));
        Assert.Contains(_harness.Log.Entries, e => e.EventId.Id == 2100);
        Assert.Equal(Private, File.GetUnixFileMode(_harness.File(".lock")));
    }

    [Fact]
    public async Task Narrows_a_data_directory_that_others_can_open()
    {
        Directory.CreateDirectory(_harness.DataDirectory);
        File.SetUnixFileMode(_harness.DataDirectory, (UnixFileMode)0b111_101_101);

        await _harness.Start().LoadResetFlagAsync(CancellationToken.None);

        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(_harness.DataDirectory));
        Assert.Contains(_harness.Log.Entries, e => e.EventId.Id == 2101 && e.Level == LogLevel.Warning && e.Message.Contains("0755", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_identity_is_made_once_and_read_back_by_the_next_start()
    {
        var created = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        _harness.Clock.Advance(TimeSpan.FromDays(3));

        var loaded = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);

        Assert.Equal(created, loaded);
        Assert.Equal(created.VerificationCode.Reveal(), loaded.VerificationCode.Reveal());
        Assert.Equal(created.SetupCode.ToCanonicalString(), loaded.SetupCode.ToCanonicalString());
        Assert.Equal(StoreHarness.NormalizedMac, loaded.Mac);
        Assert.Equal(StoreHarness.Now, loaded.CreatedAt);
        Assert.Equal(Private, File.GetUnixFileMode(_harness.File("identity.json")));
        Assert.Single(_harness.Log.Entries, e => e.EventId.Id == 2106);
    }

    [Fact]
    public async Task Identity_json_is_versioned_camel_case_json()
    {
        var identity = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, "SN-0001", CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(_harness.File("identity.json")));
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(identity.Uuid, root.GetProperty("uuid").GetString());
        Assert.Equal("SN-0001", root.GetProperty("sn").GetString());
        Assert.Equal(StoreHarness.NormalizedMac, root.GetProperty("mac").GetString());
        Assert.Equal(identity.VerificationCode.Reveal(), root.GetProperty("verificationCode").GetString());
        Assert.Equal(identity.SetupCode.ToDisplayString(), root.GetProperty("setupCode").GetString());
        Assert.Equal(7, root.EnumerateObject().Count());
    }

    [Fact]
    public async Task A_stored_identity_keeps_its_mac_when_the_interface_reports_another_and_says_so_once()
    {
        var created = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        var store = _harness.Start();

        var first = await store.LoadOrCreateIdentityAsync("DC:A6:32:00:00:01", null, CancellationToken.None);
        var second = await store.LoadOrCreateIdentityAsync("DC:A6:32:00:00:01", null, CancellationToken.None);

        Assert.Equal(created, first);
        Assert.Equal(created, second);
        var warning = Assert.Single(_harness.Log.Entries, e => e.EventId.Id == 2107);
        Assert.Contains("DC:A6:32:00:00:01", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_starts_creating_the_identity_at_once_agree_on_one()
    {
        var stores = Enumerable.Range(0, 8).Select(_ => _harness.Start()).ToList();

        var identities = await Task.WhenAll(stores.Select(s => Task.Run(() => s.LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None))));

        Assert.All(identities, i => Assert.Equal(identities[0], i));
        Assert.All(identities, i => Assert.Equal(identities[0].SetupCode, i.SetupCode));
        Assert.Single(_harness.Log.Entries, e => e.EventId.Id == 2106);
    }

    [Fact]
    public async Task A_bad_mac_is_refused_without_being_echoed()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _harness.Start().LoadOrCreateIdentityAsync("01:00:5E:00:00:FB", null, CancellationToken.None));

        Assert.DoesNotContain("5E", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_harness.File("identity.json")));
    }

    [Fact]
    public async Task The_registration_is_missing_until_saved_and_then_read_back_by_the_next_start()
    {
        var store = _harness.Start();
        Assert.Equal(new StateLoad<GatewayRegistration>(StateFileStatus.Missing, null), await store.LoadRegistrationAsync(CancellationToken.None));
        var registration = Samples.Registration(pending: Samples.Pending);

        await store.SaveRegistrationAsync(registration, CancellationToken.None);
        var load = await _harness.Start().LoadRegistrationAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Loaded, load.Status);
        Assert.Equal(registration, load.Value);
        Assert.Equal(registration.PendingKeys, load.Value!.PendingKeys);
        Assert.Null(load.Problem);
        Assert.Equal(Private, File.GetUnixFileMode(_harness.File("registration.json")));
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(_harness.File("registration.json")));
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal(Samples.AccessKey.ToBase64(), json.RootElement.GetProperty("accessKey").GetString());
    }

    [Fact]
    public async Task A_registration_without_pending_keys_leaves_them_out()
    {
        await _harness.Start().SaveRegistrationAsync(Samples.Registration(), CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(_harness.File("registration.json")));
        Assert.False(json.RootElement.TryGetProperty("pendingKeys", out _));
        Assert.Null((await _harness.Start().LoadRegistrationAsync(CancellationToken.None)).Value!.PendingKeys);
    }

    [Fact]
    public async Task Saving_replaces_the_registration()
    {
        var store = _harness.Start();
        await store.SaveRegistrationAsync(Samples.Registration("gw-1"), CancellationToken.None);

        await store.SaveRegistrationAsync(Samples.Registration("gw-2"), CancellationToken.None);

        Assert.Equal("gw-2", (await store.LoadRegistrationAsync(CancellationToken.None)).Value!.Tid);
        Assert.DoesNotContain(_harness.FileNames(), AtomicFile.IsTempFileName);
    }

    [Fact]
    public async Task An_invalid_registration_is_refused_naming_the_field_but_not_the_value()
    {
        var bad = Samples.Registration() with { Password = new SecretString("no\u0001control-" + Samples.Password) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _harness.Start().SaveRegistrationAsync(bad, CancellationToken.None));

        Assert.Contains("'password'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.Password, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_harness.File("registration.json")));
        await Assert.ThrowsAsync<ArgumentException>(() => _harness.Start().SaveRegistrationAsync(Samples.Registration("bad/tid"), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => _harness.Start().SaveRegistrationAsync(Samples.Registration() with { CloudUrl = "ftp://x" }, CancellationToken.None));
    }

    [Fact]
    public async Task Sub_devices_are_empty_until_saved_and_then_read_back()
    {
        var store = _harness.Start();
        var none = await store.LoadSubDevicesAsync(CancellationToken.None);
        Assert.Equal(StateFileStatus.Missing, none.Status);
        Assert.Empty(none.Value!);

        await store.SaveSubDevicesAsync(Samples.SubDevices, CancellationToken.None);
        var load = await _harness.Start().LoadSubDevicesAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Loaded, load.Status);
        Assert.Equal(Samples.SubDevices, load.Value!);
        Assert.Equal(Private, File.GetUnixFileMode(_harness.File("subdevices.json")));
    }

    [Fact]
    public async Task Sub_devices_with_a_repeated_did_are_refused()
    {
        var twice = Samples.SubDevices.Concat([Samples.SubDevices[0]]).ToList();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _harness.Start().SaveSubDevicesAsync(twice, CancellationToken.None));

        Assert.Contains("repeats", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reset_flag_is_false_until_set_and_can_be_cleared()
    {
        var store = _harness.Start();
        Assert.False(await store.LoadResetFlagAsync(CancellationToken.None));

        await store.SaveResetFlagAsync(true, CancellationToken.None);
        Assert.True(await _harness.Start().LoadResetFlagAsync(CancellationToken.None));

        await store.SaveResetFlagAsync(false, CancellationToken.None);
        Assert.False(await _harness.Start().LoadResetFlagAsync(CancellationToken.None));
        Assert.Equal(Private, File.GetUnixFileMode(_harness.File("flags.json")));
    }

    [Fact]
    public async Task Wiping_removes_the_credentials_and_their_moved_aside_copies_but_keeps_the_identity_and_flags()
    {
        var store = _harness.Start();
        var identity = await store.LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        await store.SaveRegistrationAsync(Samples.Registration(), CancellationToken.None);
        await store.SaveSubDevicesAsync(Samples.SubDevices, CancellationToken.None);
        await store.SaveResetFlagAsync(true, CancellationToken.None);
        await File.WriteAllTextAsync(_harness.File("registration.json.corrupt-20250101T000000000Z"), "{\"password\":\"" + Samples.Password);

        await store.WipeCredentialsAsync(CancellationToken.None);

        Assert.Equal(["flags.json", "identity.json"], _harness.FileNames());
        var next = _harness.Start();
        Assert.Equal(StateFileStatus.Missing, (await next.LoadRegistrationAsync(CancellationToken.None)).Status);
        Assert.Empty((await next.LoadSubDevicesAsync(CancellationToken.None)).Value!);
        Assert.Equal(identity, await next.LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None));
        Assert.True(await next.LoadResetFlagAsync(CancellationToken.None));
        Assert.Contains(_harness.Log.Entries, e => e.EventId.Id == 2112 && e.Message.Contains("registration.json.corrupt-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wiping_with_nothing_stored_is_fine()
    {
        await _harness.Start().WipeCredentialsAsync(CancellationToken.None);

        Assert.Empty(_harness.FileNames());
    }

    [Fact]
    public async Task A_state_file_readable_by_others_is_narrowed_when_read()
    {
        await _harness.Start().SaveRegistrationAsync(Samples.Registration(), CancellationToken.None);
        File.SetUnixFileMode(_harness.File("registration.json"), (UnixFileMode)0b110_100_100);

        Assert.Equal(StateFileStatus.Loaded, (await _harness.Start().LoadRegistrationAsync(CancellationToken.None)).Status);

        Assert.Equal(Private, File.GetUnixFileMode(_harness.File("registration.json")));
        Assert.Contains(_harness.Log.Entries, e => e.EventId.Id == 2114 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Options_must_name_an_absolute_directory_and_a_sane_bound()
    {
        Assert.Empty(new StateOptions().Validate());
        Assert.Equal("/var/lib/pi-gateway", new StateOptions().DataDirectory);
        Assert.Single(new StateOptions { DataDirectory = "relative/dir" }.Validate());
        Assert.Single(new StateOptions { MaxFileBytes = 10 }.Validate());
        Assert.Throws<ArgumentException>(() => _harness.Start(maxFileBytes: int.MaxValue));
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        var store = _harness.Start();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SaveRegistrationAsync(Samples.Registration(), new CancellationToken(canceled: true)));

        Assert.False(File.Exists(_harness.File("registration.json")));
    }
}
