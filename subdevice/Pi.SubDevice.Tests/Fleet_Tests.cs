using System.Diagnostics;
using Pi.SubDevice.Client;

namespace Pi.SubDevice.Tests;

public class Fleet_Tests
{
    [Fact]
    public async Task Fifty_sub_devices_in_one_process_all_link()
    {
        await using var gateway = await TestGateway.StartAsync();
        var clients = Enumerable.Range(0, 50)
            .Select(i => new TestClient(gateway, $"sd-fleet-{i:D2}", gateway.Add($"sd-fleet-{i:D2}")))
            .ToList();
        var started = Stopwatch.GetTimestamp();
        try
        {
            foreach (var client in clients)
            {
                await client.Client.StartAsync(CancellationToken.None);
            }
            await Task.WhenAll(clients.Select(c => c.Links.WaitAsync(_ => true)));

            Assert.All(clients, c => Assert.True(c.Client.IsLinked));
            Assert.Equal(50, gateway.Hellos.Snapshot().Select(h => h.Did).Distinct().Count());
            Assert.Equal(50, gateway.Hellos.Snapshot().Select(h => h.KeyId).Distinct().Count());
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
        Assert.True(Stopwatch.GetElapsedTime(started) < TestTimeouts.Long);
    }
}
