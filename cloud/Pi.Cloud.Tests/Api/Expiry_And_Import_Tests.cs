using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using Pi.Cloud.Http;
using Pi.Cloud.Sessions;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Tests.Api;

public class Expiry_And_Import_Tests
{
    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task The_gateway_list_warns_before_keys_and_service_expire(string store)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await CloudHost.StartAsync(store, new Dictionary<string, string?>
        {
            ["Cloud:Keys:KeyValidityDays"] = "40",
            ["Cloud:Keys:ServiceValidityDays"] = "60",
            ["Cloud:Keys:WarnDays"] = "15",
            ["Cloud:Accounts:TokenLifetime"] = "30.00:00:00",
        }, time);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();

        Assert.Empty((await user.Client.GetFromJsonAsync<GatewayView>($"/api/gateways/{registration.Tid}"))!.Warnings);

        time.Advance(TimeSpan.FromDays(26));
        var expiring = (await user.Client.GetFromJsonAsync<GatewayView>($"/api/gateways/{registration.Tid}"))!;
        Assert.Equal("key_expiring", Assert.Single(expiring.Warnings).Code);
        Assert.Equal(registration.KeyExpiresAt, expiring.KeyExpiresAt);

        time.Advance(TimeSpan.FromDays(20));
        user = await host.LogInAsync(user.Email); // the first token lasted 30 days
        var later = (await user.Client.GetFromJsonAsync<List<GatewayView>>("/api/gateways"))!.Single();
        Assert.Equal(["key_expired", "service_expiring"], later.Warnings.Select(w => w.Code).ToArray());
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task An_expired_session_is_refused_and_the_gateway_disconnected(string store)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await CloudHost.StartAsync(store, new Dictionary<string, string?> { ["Cloud:Login:SessionLifetime"] = "00:10:00" }, time);
        var user = await host.NewUserAsync();
        await using var gateway = new TestGateway(host, await user.RegisterAndBindAsync());
        var session = await gateway.LoginAsync();
        await gateway.ConnectAsync();
        time.Advance(TimeSpan.FromMinutes(11));
        // the sweeper ends the session and disconnects the gateway; its token no longer connects
        await host.Service<SessionTerminator>().EndExpiredAsync(default);
        await gateway.WaitDisconnectedAsync();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await gateway.ConnectAsync(password: session.SessionToken.Reveal()));
        Assert.Equal(0, gateway.Received.Reader.Count);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task The_import_command_loads_factory_records_all_or_nothing(string store)
    {
        var directory = Directory.CreateTempSubdirectory("pi-cloud-import-").FullName;
        try
        {
            var settings = new List<string> { $"--Cloud:DataDirectory={directory}" };
            if (store == "postgres")
            {
                settings.Add($"--Cloud:Store:ConnectionString={await PostgresServer.Shared.CreateDatabaseAsync()}");
            }
            var good = Path.Combine(directory, "records.csv");
            await File.WriteAllTextAsync(good, "mac,uuid,sn,verification_code\r\nAA:BB:CC:00:11:22,3f2504e0-4f89-11d3-9a0c-0305e82c3301,SN-1,secret-code-1\r\naabbcc001123,,SN-2,secret-code-2\r\n");
            var bad = Path.Combine(directory, "bad.json");
            await File.WriteAllTextAsync(bad, "[{\"mac\":\"aa:bb:cc:00:11:24\",\"verificationCode\":\"secret-code-3\"},{\"mac\":\"nope\",\"verificationCode\":\"secret-code-4\"}]");

            using var output = new StringWriter();
            using var error = new StringWriter();
            Assert.Equal(0, await DeviceImportCommand.RunAsync([good, .. settings], output, error));
            Assert.Contains("imported 2 device records (2 new, 0 updated)", output.ToString(), StringComparison.Ordinal);

            Assert.Equal(2, await DeviceImportCommand.RunAsync([bad, .. settings], output, error));
            Assert.DoesNotContain("secret-code", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(1, await DeviceImportCommand.RunAsync([], output, error));

            // "sqlite" here only means "create no database": the connection string below names the store.
            await using var host = await CloudHost.StartAsync("sqlite", new Dictionary<string, string?>
            {
                ["Cloud:Verification"] = "Import",
                ["Cloud:DataDirectory"] = directory,
                ["Cloud:Store:ConnectionString"] = settings.Count > 1 ? settings[1]["--Cloud:Store:ConnectionString=".Length..] : null,
            }, keepData: true);
            Assert.Equal("secret-code-1", (await host.Store.FindFactoryRecordAsync("aa:bb:cc:00:11:22", default))!.VerificationCode);
            Assert.NotNull(await host.Store.FindFactoryRecordAsync("aa:bb:cc:00:11:23", default));
            Assert.Null(await host.Store.FindFactoryRecordAsync("aa:bb:cc:00:11:24", default));
            var user = await host.NewUserAsync();
            var registration = await user.RegisterAsync(("aa:bb:cc:00:11:22", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "SN-1", "secret-code-1"), sendCode: false);
            Assert.StartsWith("gw-", registration.Tid, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
