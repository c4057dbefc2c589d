using Microsoft.Extensions.Logging;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.SubDevice.Client;

namespace Pi.SubDevice.Tests;

public class Secrets_Not_Logged_Tests
{
    [Fact]
    public async Task Neither_the_localkey_nor_the_LAN_password_reaches_the_log()
    {
        await using var gateway = await TestGateway.StartAsync();
        var key = gateway.Add("sd-secret");
        var log = new CapturingLogger();
        var options = new SubDeviceClientOptions("sd-secret", key, BrokerEndpoint.Parse(gateway.BrokerUrl))
        {
            InitialReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
        };
        await using var client = new SubDeviceClient(options, TimeProvider.System, log);
        var linked = new Observed<LinkedInfo>();
        client.Linked += (_, e) => linked.Add(e);
        client.CommandHandler = (_, _) => throw new InvalidOperationException("handler failure");
        var handled = new Observed<CommandHandledInfo>();
        client.CommandHandled += (_, e) => handled.Add(e);
        await client.StartAsync(CancellationToken.None);
        await linked.WaitAsync(_ => true);

        // Every logging path: a drop, a throwing handler, a lost link, a relink.
        await gateway.SendDownAsync("sd-secret", new byte[40]);
        await gateway.SendCommandAsync("sd-secret", new SessionRequest("t-1", "x", "sd-secret"));
        await handled.WaitAsync(_ => true);
        await gateway.DropAsync("sd-secret");
        await linked.WaitAsync(l => l.Connection == 2);
        await client.StopAsync(CancellationToken.None);

        var text = log.Text();
        Assert.Contains("sd-secret", text, StringComparison.Ordinal);
        Assert.Contains("handler failure", text, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyDerivation.DeriveLanPassword(key, "sd-secret").Reveal(), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(key.ToBase64(), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(key.Bytes), text, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly Lock _lock = new();
        private readonly List<string> _lines = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lock)
            {
                _lines.Add($"{logLevel} {formatter(state, exception)} {exception}");
            }
        }

        public string Text()
        {
            lock (_lock)
            {
                return string.Join('\n', _lines);
            }
        }
    }
}
