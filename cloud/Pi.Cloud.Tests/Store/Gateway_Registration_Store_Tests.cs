using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Store;

public sealed class Gateway_Registration_Store_Tests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, BothEngines]
    public async Task A_registered_gateway_is_found_by_tid_and_mac_with_one_active_key_pair(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var gateway = Samples.Gateway("gw-1") with { DeviceInfoJson = null, LastSeenAt = Samples.At(1) };
        var keys = Samples.Keys("gw-1", 7);

        await test.Store.RegisterGatewayAsync(gateway, keys, null, None);

        Assert.Equal(gateway, await test.Store.FindGatewayAsync("gw-1", None));
        Assert.Equal(gateway, await test.Store.FindGatewayByMacAsync(gateway.Mac.ToUpperInvariant(), None));
        Samples.AssertSame(keys, await test.Store.FindKeyPairAsync("gw-1", 7, None));
        Samples.AssertSame(keys, Assert.Single(await test.Store.GetLiveKeyPairsAsync("gw-1", None)));
        Assert.Null(await test.Store.FindGatewayAsync("gw-2", None));
        Assert.Null(await test.Store.FindGatewayByMacAsync(Samples.Mac(99), None));
        Assert.Null(await test.Store.FindKeyPairAsync("gw-1", 8, None));
        Assert.Null(await test.Store.FindFactoryRecordAsync(gateway.Mac, None));
    }

    [Theory, BothEngines]
    public async Task Re_registration_retires_every_old_key_pair_and_keeps_the_owner(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var gateway = await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        await test.Store.AddPendingKeyPairAsync(Samples.Keys("gw-1", 2, KeyPairState.Pending, 10), None);
        var owner = await Samples.UserAsync(test.Store, "owner@example.com");
        await test.Store.BindOwnerAsync("gw-1", owner.Id, Samples.Now, None);
        var again = gateway with { PasswordHash = "pbkdf2$new", DeviceInfoJson = """{"firmware":"2.0.0"}""" };
        var newKeys = Samples.Keys("gw-1", 3, KeyPairState.Pending, 20);

        await test.Store.RegisterGatewayAsync(again, newKeys, null, None);

        Assert.Equal(again, await test.Store.FindGatewayAsync("gw-1", None));
        Samples.AssertSame(newKeys with { State = KeyPairState.Active }, Assert.Single(await test.Store.GetLiveKeyPairsAsync("gw-1", None)));
        Assert.Equal(KeyPairState.Retired, (await test.Store.FindKeyPairAsync("gw-1", 1, None))?.State);
        Assert.Equal(KeyPairState.Retired, (await test.Store.FindKeyPairAsync("gw-1", 2, None))?.State);
        Assert.Equal(owner.Id, await test.Store.FindOwnerAsync("gw-1", None));
    }

    [Theory, BothEngines]
    public async Task A_first_registration_record_is_stored_but_never_replaces_an_existing_one(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var imported = Samples.Factory(1, code: "imported");
        await test.Store.ImportFactoryRecordsAsync([imported], None);
        var firstRegistration = new FactoryRecord(Samples.Mac(2), "uuid-gw-2", "sn-gw-2", "from-device", "first-registration", Samples.Now);

        await test.Store.RegisterGatewayAsync(Samples.Gateway("gw-1", 1), Samples.Keys("gw-1", 1), imported with { VerificationCode = "from-device" }, None);
        await test.Store.RegisterGatewayAsync(Samples.Gateway("gw-2", 2), Samples.Keys("gw-2", 1), firstRegistration, None);

        Assert.Equal(imported, await test.Store.FindFactoryRecordAsync(Samples.Mac(1), None));
        Assert.Equal(firstRegistration, await test.Store.FindFactoryRecordAsync(Samples.Mac(2), None));
    }

    [Theory, BothEngines]
    public async Task A_refused_registration_changes_nothing(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var gateway = await Samples.RegisteredGatewayAsync(test.Store, "gw-1", macNumber: 1);

        // Another tid with the MAC of gw-1.
        await Assert.ThrowsAsync<StoreConflictException>(() =>
            test.Store.RegisterGatewayAsync(Samples.Gateway("gw-2", 1), Samples.Keys("gw-2", 1), Samples.Factory(1), None));
        // A re-registration that reuses a key id of the gateway.
        await Assert.ThrowsAsync<StoreConflictException>(() =>
            test.Store.RegisterGatewayAsync(gateway with { PasswordHash = "changed" }, Samples.Keys("gw-1", 1), null, None));
        // An invalid factory record fails after the gateway row and keys were written.
        await Assert.ThrowsAsync<StoreConflictException>(() =>
            test.Store.RegisterGatewayAsync(Samples.Gateway("gw-3", 3), Samples.Keys("gw-3", 1), Samples.Factory(3, source: "bogus"), None));

        Assert.Null(await test.Store.FindGatewayAsync("gw-2", None));
        Assert.Null(await test.Store.FindGatewayAsync("gw-3", None));
        Assert.Empty(await test.Store.GetLiveKeyPairsAsync("gw-2", None));
        Assert.Empty(await test.Store.GetLiveKeyPairsAsync("gw-3", None));
        Assert.Null(await test.Store.FindFactoryRecordAsync(Samples.Mac(1), None));
        Assert.Equal(gateway, await test.Store.FindGatewayAsync("gw-1", None));
        Samples.AssertSame(Samples.Keys("gw-1", 1), Assert.Single(await test.Store.GetLiveKeyPairsAsync("gw-1", None)));
    }

    [Theory, BothEngines]
    public async Task Key_pairs_of_another_device_are_refused(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            test.Store.RegisterGatewayAsync(Samples.Gateway("gw-1"), Samples.Keys("gw-other", 1), null, None));

        Assert.Null(await test.Store.FindGatewayAsync("gw-1", None));
    }

    [Theory, BothEngines]
    public async Task A_pending_pair_lives_beside_the_active_one_until_promoted(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        var pending = Samples.Keys("gw-1", 2, KeyPairState.Active, createdSecondsAfterNow: 10);

        await test.Store.AddPendingKeyPairAsync(pending, None);

        var live = await test.Store.GetLiveKeyPairsAsync("gw-1", None);
        Assert.Collection(
            live,
            newest => Samples.AssertSame(pending with { State = KeyPairState.Pending }, newest),
            oldest => Samples.AssertSame(Samples.Keys("gw-1", 1), oldest));

        Assert.True(await test.Store.PromoteKeyPairAsync("gw-1", 2, None));

        Samples.AssertSame(pending, Assert.Single(await test.Store.GetLiveKeyPairsAsync("gw-1", None)));
        Assert.Equal(KeyPairState.Retired, (await test.Store.FindKeyPairAsync("gw-1", 1, None))?.State);
    }

    [Theory, BothEngines]
    public async Task A_newer_pending_pair_retires_the_older_one(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        await test.Store.AddPendingKeyPairAsync(Samples.Keys("gw-1", 2, KeyPairState.Pending, 10), None);

        await test.Store.AddPendingKeyPairAsync(Samples.Keys("gw-1", 3, KeyPairState.Pending, 20), None);

        Assert.Equal([3u, 1u], (await test.Store.GetLiveKeyPairsAsync("gw-1", None)).Select(k => k.KeyId));
        Assert.Equal(KeyPairState.Retired, (await test.Store.FindKeyPairAsync("gw-1", 2, None))?.State);
        Assert.False(await test.Store.PromoteKeyPairAsync("gw-1", 2, None));
    }

    [Theory, BothEngines]
    public async Task Promoting_a_pair_that_is_not_pending_changes_nothing(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        await test.Store.AddPendingKeyPairAsync(Samples.Keys("gw-1", 2, KeyPairState.Pending, 10), None);

        Assert.False(await test.Store.PromoteKeyPairAsync("gw-1", 1, None));
        Assert.False(await test.Store.PromoteKeyPairAsync("gw-1", 99, None));
        Assert.False(await test.Store.PromoteKeyPairAsync("gw-unknown", 2, None));

        Assert.Equal(
            [(2u, KeyPairState.Pending), (1u, KeyPairState.Active)],
            (await test.Store.GetLiveKeyPairsAsync("gw-1", None)).Select(k => (k.KeyId, k.State)));
    }

    [Theory, BothEngines]
    public async Task The_largest_key_id_round_trips(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var keys = Samples.Keys("gw-1", uint.MaxValue);

        await test.Store.RegisterGatewayAsync(Samples.Gateway("gw-1"), keys, null, None);

        Samples.AssertSame(keys, await test.Store.FindKeyPairAsync("gw-1", uint.MaxValue, None));
    }

    [Theory, BothEngines]
    public async Task Touching_a_gateway_records_the_latest_time_it_was_seen(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1");

        await test.Store.TouchGatewayAsync("gw-1", Samples.At(30), None);
        Assert.Equal(Samples.At(30), (await test.Store.FindGatewayAsync("gw-1", None))?.LastSeenAt);

        await test.Store.TouchGatewayAsync("gw-1", Samples.At(20), None);
        Assert.Equal(Samples.At(30), (await test.Store.FindGatewayAsync("gw-1", None))?.LastSeenAt);

        await test.Store.TouchGatewayAsync("gw-1", Samples.At(40), None);
        Assert.Equal(Samples.At(40), (await test.Store.FindGatewayAsync("gw-1", None))?.LastSeenAt);

        await test.Store.TouchGatewayAsync("gw-unknown", Samples.At(50), None);
        Assert.Null(await test.Store.FindGatewayAsync("gw-unknown", None));
    }
}
