using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Store;

public sealed class Account_Store_Tests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory, BothEngines]
    public async Task A_user_is_found_by_email_in_any_case(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);

        var user = await test.Store.CreateUserAsync("Alice@Example.com", "pbkdf2$alice", Samples.Now, None);

        Assert.NotNull(user);
        Assert.True(user.Id > 0);
        Assert.Equal(new UserRecord(user.Id, "Alice@Example.com", "pbkdf2$alice", Samples.Now), user);
        Assert.Equal(user, await test.Store.FindUserByEmailAsync("alice@example.com", None));
        Assert.Equal(user, await test.Store.FindUserByEmailAsync("ALICE@EXAMPLE.COM", None));
        Assert.Null(await test.Store.FindUserByEmailAsync("bob@example.com", None));
    }

    [Theory, BothEngines]
    public async Task An_email_taken_in_another_case_is_refused_with_null(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var first = await Samples.UserAsync(test.Store, "carol@example.com");

        var second = await test.Store.CreateUserAsync("CAROL@example.com", "pbkdf2$other", Samples.At(5), None);

        Assert.Null(second);
        Assert.Equal(first, await test.Store.FindUserByEmailAsync("carol@example.com", None));
        Assert.NotEqual(first.Id, (await Samples.UserAsync(test.Store, "dave@example.com")).Id);
    }

    [Theory, BothEngines]
    public async Task Of_concurrent_sign_ups_with_one_email_exactly_one_succeeds(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            test.Store.CreateUserAsync(i % 2 == 0 ? "race@example.com" : "RACE@example.com", $"hash-{i}", Samples.Now, None))));

        var winner = Assert.Single(results, user => user is not null);
        Assert.Equal(winner, await test.Store.FindUserByEmailAsync("race@example.com", None));
    }

    [Theory, BothEngines]
    public async Task An_app_session_is_stored_found_by_token_hash_and_deleted(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var user = await Samples.UserAsync(test.Store, "erin@example.com");
        var session = Session(user.Id, tokenByte: 1, expiresInSeconds: 3600);

        await test.Store.CreateAppSessionAsync(session, None);

        AssertSame(session, await test.Store.FindAppSessionAsync(session.TokenHash.ToArray(), None));
        Assert.Null(await test.Store.FindAppSessionAsync(Session(user.Id, tokenByte: 2, 0).TokenHash, None));
        Assert.True(await test.Store.DeleteAppSessionAsync(session.TokenHash, None));
        Assert.Null(await test.Store.FindAppSessionAsync(session.TokenHash, None));
        Assert.False(await test.Store.DeleteAppSessionAsync(session.TokenHash, None));
    }

    [Theory, BothEngines]
    public async Task Expired_sessions_are_found_until_deleted_and_only_they_are_deleted(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var user = await Samples.UserAsync(test.Store, "frank@example.com");
        var expired1 = Session(user.Id, tokenByte: 1, expiresInSeconds: -10);
        var expired2 = Session(user.Id, tokenByte: 2, expiresInSeconds: -1);
        var live = Session(user.Id, tokenByte: 3, expiresInSeconds: 60);
        var exactlyNow = Session(user.Id, tokenByte: 4, expiresInSeconds: 0);
        foreach (var session in new[] { expired1, expired2, live, exactlyNow })
        {
            await test.Store.CreateAppSessionAsync(session, None);
        }

        AssertSame(expired1, await test.Store.FindAppSessionAsync(expired1.TokenHash, None));
        Assert.Equal(2, await test.Store.DeleteExpiredAppSessionsAsync(Samples.Now, None));

        Assert.Null(await test.Store.FindAppSessionAsync(expired1.TokenHash, None));
        Assert.Null(await test.Store.FindAppSessionAsync(expired2.TokenHash, None));
        AssertSame(live, await test.Store.FindAppSessionAsync(live.TokenHash, None));
        AssertSame(exactlyNow, await test.Store.FindAppSessionAsync(exactlyNow.TokenHash, None));
        Assert.Equal(0, await test.Store.DeleteExpiredAppSessionsAsync(Samples.Now, None));
    }

    [Theory, BothEngines]
    public async Task A_session_of_an_unknown_user_or_a_repeated_token_is_a_conflict(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var user = await Samples.UserAsync(test.Store, "grace@example.com");
        var session = Session(user.Id, tokenByte: 1, expiresInSeconds: 60);
        await test.Store.CreateAppSessionAsync(session, None);

        await Assert.ThrowsAsync<StoreConflictException>(() => test.Store.CreateAppSessionAsync(Session(user.Id + 1000, tokenByte: 2, 60), None));
        var repeated = await Assert.ThrowsAsync<StoreConflictException>(() => test.Store.CreateAppSessionAsync(session with { UserId = user.Id }, None));

        Assert.DoesNotContain(Convert.ToHexString(session.TokenHash), repeated.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Null(await test.Store.FindAppSessionAsync(Session(user.Id, tokenByte: 2, 60).TokenHash, None));
    }

    [Theory, BothEngines]
    public async Task Times_are_kept_to_the_millisecond_in_utc(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        var local = new DateTimeOffset(2026, 11, 26, 9, 30, 15, 250, TimeSpan.FromHours(2)).AddTicks(4567);

        var user = await test.Store.CreateUserAsync("heidi@example.com", "h", local, None);
        var found = await test.Store.FindUserByEmailAsync("heidi@example.com", None);

        Assert.NotNull(found);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 7, 30, 15, 250, TimeSpan.Zero), found.CreatedAt);
        Assert.Equal(TimeSpan.Zero, found.CreatedAt.Offset);
        Assert.Equal(found, user);
    }

    [Theory, BothEngines]
    public async Task A_cancelled_call_throws_and_writes_nothing(Engine engine)
    {
        await using var test = await TestStore.CreateAsync(engine);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => test.Store.CreateUserAsync("ivy@example.com", "h", Samples.Now, cancelled.Token));

        Assert.Null(await test.Store.FindUserByEmailAsync("ivy@example.com", None));
    }

    private static AppSessionRecord Session(long userId, byte tokenByte, int expiresInSeconds) =>
        new(Enumerable.Repeat(tokenByte, 32).ToArray(), userId, Enumerable.Repeat((byte)(tokenByte + 100), 16).ToArray(), Samples.At(-100), Samples.At(expiresInSeconds));

    private static void AssertSame(AppSessionRecord expected, AppSessionRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.TokenHash, actual.TokenHash);
        Assert.Equal(expected.Nonce, actual.Nonce);
        Assert.Equal((expected.UserId, expected.CreatedAt, expected.ExpiresAt), (actual.UserId, actual.CreatedAt, actual.ExpiresAt));
    }
}
