using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Store;

public sealed class Sub_Device_Store_Tests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, BothEngines]
    public async Task An_added_sub_device_has_its_key_pair_and_is_bound_to_the_owner(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var (owner, _) = await GatewayWithOwnerAsync(test);
        var subDevice = Samples.SubDevice("sd-1", "gw-1") with { Kind = null, Name = null };
        var keys = Samples.Keys("sd-1", 5, KeyPairState.Pending);

        await test.Store.AddSubDeviceAsync(subDevice, keys, owner.Id, None);

        Assert.Equal(subDevice, await test.Store.FindSubDeviceAsync("sd-1", None));
        Samples.AssertSame(keys with { State = KeyPairState.Active }, Assert.Single(await test.Store.GetLiveKeyPairsAsync("sd-1", None)));
        Assert.Equal(owner.Id, await test.Store.FindOwnerAsync("sd-1", None));
        Assert.Equal((BindOutcome.AlreadyOwner, owner.Id), await test.Store.BindOwnerAsync("sd-1", owner.Id, Samples.Now, None));
        Assert.Null(await test.Store.FindSubDeviceAsync("sd-2", None));
    }

    [Theory, BothEngines]
    public async Task Sub_devices_are_listed_per_gateway_ordered_by_did(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var (owner, _) = await GatewayWithOwnerAsync(test);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-2", macNumber: 2);
        foreach (var did in new[] { "sd-b", "sd-C", "sd-a" })
        {
            await test.Store.AddSubDeviceAsync(Samples.SubDevice(did, "gw-1"), Samples.Keys(did, 1), owner.Id, None);
        }

        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-other", "gw-2"), Samples.Keys("sd-other", 1), owner.Id, None);
        await test.Store.MarkSubDeviceRemovedAsync("sd-b", None);

        var listed = await test.Store.GetSubDevicesAsync("gw-1", None);

        Assert.Equal(["sd-C", "sd-a", "sd-b"], listed.Select(s => s.Did));
        Assert.Equal(SubDeviceState.Removing, listed[2].State);
        Assert.Empty(await test.Store.GetSubDevicesAsync("gw-unknown", None));
    }

    [Theory, BothEngines]
    public async Task A_refused_add_writes_nothing(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var (owner, _) = await GatewayWithOwnerAsync(test);
        var stranger = await Samples.UserAsync(test.Store, "stranger@example.com");
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-1", "gw-1"), Samples.Keys("sd-1", 1), owner.Id, None);

        // The same did again (with another key id and owner), an unknown gateway, an unknown owner, a did that is a tid.
        await Assert.ThrowsAsync<StoreConflictException>(() =>
            test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-1", "gw-1"), Samples.Keys("sd-1", 2), stranger.Id, None));
        await Assert.ThrowsAsync<StoreConflictException>(() =>
            test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-2", "gw-unknown"), Samples.Keys("sd-2", 1), owner.Id, None));
        await Assert.ThrowsAsync<StoreConflictException>(() =>
            test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-3", "gw-1"), Samples.Keys("sd-3", 1), owner.Id + 1000, None));
        await Assert.ThrowsAsync<StoreConflictException>(() =>
            test.Store.AddSubDeviceAsync(Samples.SubDevice("gw-1", "gw-1"), Samples.Keys("gw-1", 9), owner.Id, None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-4", "gw-1"), Samples.Keys("sd-other", 1), owner.Id, None));

        Assert.Equal(["sd-1"], (await test.Store.GetSubDevicesAsync("gw-1", None)).Select(s => s.Did));
        Assert.Equal(owner.Id, await test.Store.FindOwnerAsync("sd-1", None));
        Assert.Null(await test.Store.FindKeyPairAsync("sd-1", 2, None));
        Assert.Null(await test.Store.FindKeyPairAsync("gw-1", 9, None));
        foreach (var did in new[] { "sd-2", "sd-3", "sd-4" })
        {
            Assert.Null(await test.Store.FindSubDeviceAsync(did, None));
            Assert.Null(await test.Store.FindOwnerAsync(did, None));
            Assert.Empty(await test.Store.GetLiveKeyPairsAsync(did, None));
        }
    }

    [Theory, BothEngines]
    public async Task Removing_a_sub_device_drops_its_binding_and_keys_at_once_and_keeps_the_row(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var (owner, _) = await GatewayWithOwnerAsync(test);
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-1", "gw-1"), Samples.Keys("sd-1", 1), owner.Id, None);
        await test.Store.AddPendingKeyPairAsync(Samples.Keys("sd-1", 2, KeyPairState.Pending, 5), None);

        Assert.True(await test.Store.MarkSubDeviceRemovedAsync("sd-1", None));

        Assert.Equal(SubDeviceState.Removing, (await test.Store.FindSubDeviceAsync("sd-1", None))?.State);
        Assert.Null(await test.Store.FindOwnerAsync("sd-1", None));
        Assert.Empty(await test.Store.GetLiveKeyPairsAsync("sd-1", None));
        Assert.Null(await test.Store.FindKeyPairAsync("sd-1", 1, None));
        Assert.Null(await test.Store.FindKeyPairAsync("sd-1", 2, None));
        Assert.False(await test.Store.MarkSubDeviceRemovedAsync("sd-1", None));
        Assert.False(await test.Store.MarkSubDeviceRemovedAsync("sd-unknown", None));
        await Assert.ThrowsAsync<StoreConflictException>(() => test.Store.BindOwnerAsync("sd-1", owner.Id, Samples.Now, None));
        Assert.Equal(owner.Id, await test.Store.FindOwnerAsync("gw-1", None));
    }

    [Theory, BothEngines]
    public async Task Acknowledging_activates_an_added_sub_device_and_deletes_a_removed_one(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var (owner, _) = await GatewayWithOwnerAsync(test);
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-1", "gw-1"), Samples.Keys("sd-1", 1), owner.Id, None);

        Assert.True(await test.Store.AcknowledgeSubDeviceAsync("sd-1", None));
        Assert.Equal(SubDeviceState.Active, (await test.Store.FindSubDeviceAsync("sd-1", None))?.State);
        Assert.False(await test.Store.AcknowledgeSubDeviceAsync("sd-1", None));
        Assert.Equal(owner.Id, await test.Store.FindOwnerAsync("sd-1", None));

        await test.Store.MarkSubDeviceRemovedAsync("sd-1", None);
        Assert.True(await test.Store.AcknowledgeSubDeviceAsync("sd-1", None));

        Assert.Null(await test.Store.FindSubDeviceAsync("sd-1", None));
        Assert.Empty(await test.Store.GetSubDevicesAsync("gw-1", None));
        Assert.False(await test.Store.AcknowledgeSubDeviceAsync("sd-1", None));
        Assert.False(await test.Store.AcknowledgeSubDeviceAsync("sd-unknown", None));

        // Once gone, the did can be added again, with its old key id.
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-1", "gw-1"), Samples.Keys("sd-1", 1), owner.Id, None);
        Assert.Equal(SubDeviceState.Added, (await test.Store.FindSubDeviceAsync("sd-1", None))?.State);
    }

    private static async Task<(UserRecord Owner, GatewayRecord Gateway)> GatewayWithOwnerAsync(TestStore test)
    {
        var gateway = await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        var owner = await Samples.UserAsync(test.Store, "owner@example.com");
        await test.Store.BindOwnerAsync("gw-1", owner.Id, Samples.Now, None);
        return (owner, gateway);
    }
}
