using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Store;

public sealed class Binding_Store_Tests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, BothEngines]
    public async Task The_first_binder_becomes_owner_and_later_ones_learn_who_owns_it(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        var alice = await Samples.UserAsync(test.Store, "alice@example.com");
        var bob = await Samples.UserAsync(test.Store, "bob@example.com");
        Assert.Null(await test.Store.FindOwnerAsync("gw-1", None));

        Assert.Equal((BindOutcome.Bound, alice.Id), await test.Store.BindOwnerAsync("gw-1", alice.Id, Samples.Now, None));
        Assert.Equal((BindOutcome.AlreadyOwner, alice.Id), await test.Store.BindOwnerAsync("gw-1", alice.Id, Samples.At(1), None));
        Assert.Equal((BindOutcome.OwnedByOther, alice.Id), await test.Store.BindOwnerAsync("gw-1", bob.Id, Samples.At(2), None));

        Assert.Equal(alice.Id, await test.Store.FindOwnerAsync("gw-1", None));
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM bindings"));
    }

    [Theory, BothEngines]
    public async Task Of_twenty_concurrent_binds_by_twenty_users_exactly_one_wins(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        var users = new List<UserRecord>();
        for (var i = 0; i < 20; i++)
        {
            users.Add(await Samples.UserAsync(test.Store, $"user{i}@example.com"));
        }

        // Two hosts on one database, as a scaled-out cloud would be.
        var hosts = new[] { test.Store, test.Open() };
        using var go = new ManualResetEventSlim();
        var binds = users.Select((user, i) => Task.Run(() =>
        {
            go.Wait();
            return hosts[i % 2].BindOwnerAsync("gw-1", user.Id, Samples.Now, None);
        })).ToList();
        go.Set();
        var results = await Task.WhenAll(binds);

        var winner = Assert.Single(results, result => result.Outcome == BindOutcome.Bound);
        Assert.All(results.Where(result => result != winner), result => Assert.Equal((BindOutcome.OwnedByOther, winner.OwnerUserId), result));
        Assert.Contains(users, user => user.Id == winner.OwnerUserId);
        Assert.Equal(winner.OwnerUserId, await test.Store.FindOwnerAsync("gw-1", None));
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM bindings"));
    }

    [Theory, BothEngines]
    public async Task The_schema_itself_allows_one_owner_per_device(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        var alice = await Samples.UserAsync(test.Store, "alice@example.com");
        var bob = await Samples.UserAsync(test.Store, "bob@example.com");
        await test.Store.BindOwnerAsync("gw-1", alice.Id, Samples.Now, None);

        var error = await Record.ExceptionAsync(() =>
            test.ExecuteAsync($"INSERT INTO bindings (device_id, user_id, role, created_at) VALUES ('gw-1', {bob.Id}, 'owner', 0)"));

        Assert.IsAssignableFrom<System.Data.Common.DbException>(error);
        Assert.Equal(alice.Id, await test.Store.FindOwnerAsync("gw-1", None));
    }

    [Theory, BothEngines]
    public async Task Binding_an_unknown_device_or_user_is_a_conflict(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1");
        var user = await Samples.UserAsync(test.Store, "ivan@example.com");

        await Assert.ThrowsAsync<StoreConflictException>(() => test.Store.BindOwnerAsync("gw-unknown", user.Id, Samples.Now, None));
        await Assert.ThrowsAsync<StoreConflictException>(() => test.Store.BindOwnerAsync("gw-1", user.Id + 1000, Samples.Now, None));

        Assert.Null(await test.Store.FindOwnerAsync("gw-1", None));
        Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM bindings"));
    }

    [Theory, BothEngines]
    public async Task A_user_owns_the_gateways_bound_to_them_ordered_by_tid(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var judy = await Samples.UserAsync(test.Store, "judy@example.com");
        var mallory = await Samples.UserAsync(test.Store, "mallory@example.com");
        string[] tids = ["gw-b", "gw-A", "gw-c", "gw-a", "gw-B"];
        var gateways = new Dictionary<string, GatewayRecord>();
        for (var i = 0; i < tids.Length; i++)
        {
            gateways[tids[i]] = await Samples.RegisteredGatewayAsync(test.Store, tids[i], macNumber: i + 1);
        }

        foreach (var tid in new[] { "gw-b", "gw-A", "gw-a", "gw-B" })
        {
            await test.Store.BindOwnerAsync(tid, judy.Id, Samples.Now, None);
        }

        await test.Store.BindOwnerAsync("gw-c", mallory.Id, Samples.Now, None);
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-1", "gw-c"), Samples.Keys("sd-1", 1), judy.Id, None);

        var owned = await test.Store.GetOwnedGatewaysAsync(judy.Id, None);

        Assert.Equal(["gw-A", "gw-B", "gw-a", "gw-b"], owned.Select(g => g.Tid));
        Assert.Equal(gateways["gw-B"], owned[1]);
        Assert.Equal(["gw-c"], (await test.Store.GetOwnedGatewaysAsync(mallory.Id, None)).Select(g => g.Tid));
        Assert.Empty(await test.Store.GetOwnedGatewaysAsync(mallory.Id + 1000, None));
    }

    [Theory, BothEngines]
    public async Task Reset_unbind_removes_the_bindings_of_the_gateway_and_its_sub_devices(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-1", macNumber: 1);
        await Samples.RegisteredGatewayAsync(test.Store, "gw-2", macNumber: 2);
        var owner = await Samples.UserAsync(test.Store, "owner@example.com");
        var other = await Samples.UserAsync(test.Store, "other@example.com");
        await test.Store.BindOwnerAsync("gw-1", owner.Id, Samples.Now, None);
        await test.Store.BindOwnerAsync("gw-2", other.Id, Samples.Now, None);
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-1", "gw-1"), Samples.Keys("sd-1", 1), owner.Id, None);
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-2", "gw-1", SubDeviceState.Active), Samples.Keys("sd-2", 1), owner.Id, None);
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-3", "gw-1"), Samples.Keys("sd-3", 1), owner.Id, None);
        await test.Store.MarkSubDeviceRemovedAsync("sd-3", None);
        await test.Store.AddSubDeviceAsync(Samples.SubDevice("sd-9", "gw-2"), Samples.Keys("sd-9", 1), other.Id, None);

        Assert.Equal(3, await test.Store.ResetUnbindAsync("gw-1", None));

        Assert.Null(await test.Store.FindOwnerAsync("gw-1", None));
        Assert.Empty(await test.Store.GetSubDevicesAsync("gw-1", None));
        foreach (var did in new[] { "sd-1", "sd-2", "sd-3" })
        {
            Assert.Null(await test.Store.FindSubDeviceAsync(did, None));
            Assert.Null(await test.Store.FindOwnerAsync(did, None));
            Assert.Null(await test.Store.FindKeyPairAsync(did, 1, None));
        }

        // The gateway itself, its keys and everything of other gateways stay.
        Assert.NotNull(await test.Store.FindGatewayAsync("gw-1", None));
        Samples.AssertSame(Samples.Keys("gw-1", 1), await test.Store.FindKeyPairAsync("gw-1", 1, None));
        Assert.Equal(other.Id, await test.Store.FindOwnerAsync("gw-2", None));
        Assert.Equal(other.Id, await test.Store.FindOwnerAsync("sd-9", None));
        Assert.NotNull(await test.Store.FindKeyPairAsync("sd-9", 1, None));
        Assert.Empty(await test.Store.GetOwnedGatewaysAsync(owner.Id, None));

        Assert.Equal(0, await test.Store.ResetUnbindAsync("gw-1", None));
        Assert.Equal(0, await test.Store.ResetUnbindAsync("gw-unknown", None));
        Assert.Equal((BindOutcome.Bound, other.Id), await test.Store.BindOwnerAsync("gw-1", other.Id, Samples.At(60), None));
    }
}
