using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Store;

public sealed class Migration_Tests
{
    [Theory, BothEngines]
    public async Task A_fresh_database_is_migrated_to_the_latest_version(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine, migrate: false);

        Assert.Equal(0, await test.Store.GetSchemaVersionAsync(CancellationToken.None));
        await test.Store.MigrateAsync(CancellationToken.None);

        Assert.Equal(StoreSchema.LatestVersion, await test.Store.GetSchemaVersionAsync(CancellationToken.None));
        await test.Store.PingAsync(CancellationToken.None);
        Assert.Null(await test.Store.FindGatewayAsync("gw-1", CancellationToken.None));
    }

    [Theory, BothEngines]
    public async Task Migrating_again_changes_nothing(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var user = await Samples.UserAsync(test.Store, "a@example.com");

        await test.Store.MigrateAsync(CancellationToken.None);
        await test.Open().MigrateAsync(CancellationToken.None);

        Assert.Equal(StoreSchema.LatestVersion, await test.Store.GetSchemaVersionAsync(CancellationToken.None));
        Assert.Equal(StoreSchema.LatestVersion, await test.CountAsync("SELECT count(*) FROM schema_version"));
        Assert.Equal(user, await test.Store.FindUserByEmailAsync("a@example.com", CancellationToken.None));
    }

    [Theory, BothEngines]
    public async Task Concurrent_migrations_from_several_hosts_all_succeed_and_apply_each_version_once(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine, migrate: false);
        var hosts = Enumerable.Range(0, 6).Select(_ => test.Open()).ToList();

        await Task.WhenAll(hosts.Select(host => Task.Run(() => host.MigrateAsync(CancellationToken.None))));

        Assert.Equal(StoreSchema.LatestVersion, await test.CountAsync("SELECT count(*) FROM schema_version"));
        foreach (var host in hosts)
        {
            await host.PingAsync(CancellationToken.None);
            Assert.Equal(StoreSchema.LatestVersion, await host.GetSchemaVersionAsync(CancellationToken.None));
        }
    }

    [Theory, BothEngines]
    public async Task Reopening_the_database_keeps_the_data(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var user = await Samples.UserAsync(test.Store, "keep@example.com");
        var gateway = await Samples.RegisteredGatewayAsync(test.Store, "gw-keep");
        await test.Store.DisposeAsync();

        var reopened = test.Open();
        await reopened.MigrateAsync(CancellationToken.None);

        Assert.Equal(user, await reopened.FindUserByEmailAsync("keep@example.com", CancellationToken.None));
        Assert.Equal(gateway, await reopened.FindGatewayAsync("gw-keep", CancellationToken.None));
        Samples.AssertSame(Samples.Keys("gw-keep", 1), await reopened.FindKeyPairAsync("gw-keep", 1, CancellationToken.None));
    }

    [Theory, BothEngines]
    public async Task A_database_newer_than_this_build_is_refused(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await test.ExecuteAsync($"INSERT INTO schema_version (version, applied_at) VALUES ({StoreSchema.LatestVersion + 1}, 0)");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => test.Open().MigrateAsync(CancellationToken.None));

        Assert.Contains("newer than this build", error.Message, StringComparison.Ordinal);
    }

    [Theory, BothEngines]
    public async Task A_disposed_store_refuses_work(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await test.Store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => test.Store.PingAsync(CancellationToken.None));
    }
}
