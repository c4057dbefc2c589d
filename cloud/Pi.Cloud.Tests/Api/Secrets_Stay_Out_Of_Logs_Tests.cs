using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pi.Cloud.Http;
using Pi.Cloud.Tests.Support;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Tests.Api;

public class Secrets_Stay_Out_Of_Logs_Tests
{
    [Fact]
    public async Task A_whole_session_logs_no_password_key_token_or_verification_code()
    {
        using var log = new CapturedLog();
        await using var host = await CloudHost.StartAsync("sqlite", new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" },
            configure: builder => builder.Logging.AddProvider(log));
        var user = await host.NewUserAsync();
        var device = AppUser.NewDevice();
        var registration = await user.RegisterAsync(device);
        (await user.BindAsync(registration.Tid, device.Code)).EnsureSuccessStatusCode();
        await using var gateway = new TestGateway(host, registration);
        var session = await gateway.LoginAsync();
        await gateway.ConnectAsync();
        var sub = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/subdevices", new { kind = "sensor" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AddSubDeviceResponse>();
        await gateway.NextAsync<SubDeviceAdded>();
        await using (var wrong = new TestGateway(host, registration) { Password = "wrong password, also secret" })
        {
            await Assert.ThrowsAsync<LoginRefusedException>(wrong.LoginAsync);
        }
        await gateway.SendAsync(new Logout("bye"));
        await gateway.NextAsync<Ack>();

        var secrets = new[]
        {
            registration.Password, registration.AccessKey, registration.LocalKey, device.Code,
            session.SessionToken.Reveal(), session.SessionKey.ToBase64(), sub!.AccessKey, sub.LocalKey,
            "correct horse battery", "wrong password, also secret", Convert.ToBase64String(user.Nonce),
        };
        var entries = log.Entries;
        Assert.NotEmpty(entries);
        foreach (var entry in entries)
        {
            var text = entry.Message + entry.Exception;
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{entry.Category} logged a secret: {entry.Message}");
            }
        }
    }
}
