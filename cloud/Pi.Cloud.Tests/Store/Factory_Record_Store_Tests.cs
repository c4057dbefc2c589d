using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Store;

public sealed class Factory_Record_Store_Tests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, BothEngines]
    public async Task Imported_records_are_found_by_mac(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var records = Enumerable.Range(1, 50).Select(n => Samples.Factory(n, code: $"code-{n}")).ToList();

        Assert.Equal((50, 0), await test.Store.ImportFactoryRecordsAsync(records, None));

        Assert.Equal(records[6], await test.Store.FindFactoryRecordAsync(Samples.Mac(7), None));
        Assert.Equal(records[6], await test.Store.FindFactoryRecordAsync(Samples.Mac(7).ToUpperInvariant(), None));
        Assert.Null(await test.Store.FindFactoryRecordAsync(Samples.Mac(51), None));
    }

    [Theory, BothEngines]
    public async Task Importing_again_replaces_by_mac_and_counts_inserted_and_updated(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        await test.Store.ImportFactoryRecordsAsync([Samples.Factory(1), Samples.Factory(2)], None);
        var replacement = new FactoryRecord(Samples.Mac(2), null, null, "new-code", "import", Samples.At(60));

        var counts = await test.Store.ImportFactoryRecordsAsync([replacement, Samples.Factory(3)], None);

        Assert.Equal((1, 1), counts);
        Assert.Equal(replacement, await test.Store.FindFactoryRecordAsync(Samples.Mac(2), None));
        Assert.Equal(Samples.Factory(1), await test.Store.FindFactoryRecordAsync(Samples.Mac(1), None));
        Assert.Equal((0, 0), await test.Store.ImportFactoryRecordsAsync([], None));
    }

    [Theory, BothEngines]
    public async Task A_batch_with_one_invalid_record_changes_nothing(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var existing = Samples.Factory(1, code: "original");
        await test.Store.ImportFactoryRecordsAsync([existing], None);
        FactoryRecord[][] badBatches =
        [
            [Samples.Factory(1, code: "changed"), Samples.Factory(2), Samples.Factory(3, code: "")],
            [Samples.Factory(1, code: "changed"), Samples.Factory(2), Samples.Factory(3, source: "guess")],
            [Samples.Factory(1, code: "changed"), Samples.Factory(2), Samples.Factory(3) with { Mac = "02:00:00:00:00:0A" }],
            [Samples.Factory(1, code: "changed"), Samples.Factory(2), Samples.Factory(3) with { Mac = "0200000000ff" }],
        ];

        foreach (var batch in badBatches)
        {
            var error = await Assert.ThrowsAsync<StoreConflictException>(() => test.Store.ImportFactoryRecordsAsync(batch, None));
            Assert.DoesNotContain("changed", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(existing, await test.Store.FindFactoryRecordAsync(Samples.Mac(1), None));
        Assert.Null(await test.Store.FindFactoryRecordAsync(Samples.Mac(2), None));
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM factory_records"));
    }

    [Theory, BothEngines]
    public async Task A_batch_that_repeats_a_mac_is_refused_whole(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);

        await Assert.ThrowsAsync<StoreConflictException>(() =>
            test.Store.ImportFactoryRecordsAsync([Samples.Factory(1), Samples.Factory(2), Samples.Factory(1, code: "again")], None));

        Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM factory_records"));
    }
}
