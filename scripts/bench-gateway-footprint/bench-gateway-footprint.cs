#:project ../../gateway/Pi.Gateway/Pi.Gateway.csproj
#:property TreatWarningsAsErrors=false
#:property PublishAot=false
#:property NoWarn=CA1416
// Gateway footprint: time to ready (the host's "Application started" line, logged when the host
// has started: the moment AddSystemd() sends READY=1 under systemd, which does not run here), resident memory idle and with N sub-devices
// linked, for one or more gateway binaries (JIT and Native AOT). docs/benchmarks.md, "Gateway on
// the Pi: JIT vs Native AOT", has the method and the numbers.
//
//   dotnet run scripts/bench-gateway-footprint/bench-gateway-footprint.cs -- \
//     --subdevice subdevice/Pi.SubDevice/bin/Release/net10.0/Pi.SubDevice --runs 3 --count 200 \
//     JIT=gateway/Pi.Gateway/bin/Release/net10.0/Pi.Gateway AOT=/path/to/aot/Pi.Gateway
//
// Everything runs on loopback with simulated Wi-Fi and virtual GPIO; processes are stopped by PID.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pi.Gateway.Hosting;
using Pi.Gateway.State;
using Pi.Protocol.Crypto;

var inv = CultureInfo.InvariantCulture;
string? subdevice = null;
int runs = 3, count = 200, settle = 10;
var binaries = new List<(string Name, string Path)>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--subdevice": subdevice = args[++i]; break;
        case "--runs": runs = int.Parse(args[++i], inv); break;
        case "--count": count = int.Parse(args[++i], inv); break;
        case "--settle": settle = int.Parse(args[++i], inv); break;
        default:
            var eq = args[i].IndexOf('=', StringComparison.Ordinal);
            binaries.Add((args[i][..eq], Path.GetFullPath(args[i][(eq + 1)..])));
            break;
    }
}
if (subdevice is null || binaries.Count == 0)
{
    Console.Error.WriteLine("usage: --subdevice PATH [--runs N] [--count N] [--settle S] NAME=GATEWAY_BINARY ...");
    return 64;
}

var work = Directory.CreateTempSubdirectory("pi-gw-footprint-").FullName;
try
{
    // One seeded state: COUNT sub-devices whose keys the cloud "pushed", all linked before (so no
    // pairing window is needed), and the emulator's credentials file for them.
    var seed = Path.Combine(work, "seed");
    var port = FreeTcpPort();
    var creds = Path.Combine(work, "creds.json");
    await SeedAsync(seed, creds, count, port);

    var results = new List<string>();
    foreach (var (name, binary) in binaries)
    {
        for (var run = 1; run <= runs; run++)
        {
            var state = Path.Combine(work, $"{name}-{run}");
            CopyDirectory(seed, state);
            var r = await MeasureAsync(binary, state, creds, port, count, settle, subdevice, work);
            var line = string.Create(inv, $"{name} run {run}: ready {r.ReadyMs:F0} ms, RSS idle {r.IdleKiB / 1024.0:F1} MiB, RSS with {count} linked {r.LoadedKiB / 1024.0:F1} MiB (peak {r.PeakKiB / 1024.0:F1} MiB), linked in {r.LinkedMs} ms");
            Console.WriteLine(line);
            results.Add(line);
        }
    }
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static async Task SeedAsync(string dataDirectory, string credsPath, int count, int port)
{
    Directory.CreateDirectory(dataDirectory);
    using var host = GatewayApp.CreateBuilder([$"--State:DataDirectory={dataDirectory}", "--Wifi:Driver=Simulated", "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={Path.Combine(dataDirectory, "gpio.sock")}"]).Build();
    var store = host.Services.GetRequiredService<IGatewayStateStore>();
    var expires = DateTimeOffset.UtcNow.AddDays(300);
    var devices = Enumerable.Range(1, count).Select(i => new SubDeviceCredentials($"bench-sd-{i:D4}", SymmetricKey.Generate(), SymmetricKey.Generate(), 1, expires, "sensor")).ToList();
    await store.SaveSubDevicesAsync(devices, CancellationToken.None);
    var linked = new Dictionary<string, uint>(devices.Select(d => KeyValuePair.Create(d.Did, d.KeyId)));
    await File.WriteAllTextAsync(Path.Combine(dataDirectory, "bridge-linked.json"), JsonSerializer.Serialize(new { Version = 1, Linked = linked }));
    var entries = devices.Select(d => new Dictionary<string, object?>
    {
        ["did"] = d.Did,
        ["localKey"] = d.LocalKey.ToBase64(),
        ["keyId"] = d.KeyId,
        ["keyExpiresAt"] = d.KeyExpiresAt.ToString("O", CultureInfo.InvariantCulture),
        ["broker"] = $"mqtt://127.0.0.1:{port}",
        ["kind"] = "sensor",
    });
    await File.WriteAllTextAsync(credsPath, JsonSerializer.Serialize(entries, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    File.SetUnixFileMode(credsPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
}

static async Task<(double ReadyMs, long IdleKiB, long LoadedKiB, long PeakKiB, long LinkedMs)> MeasureAsync(
    string binary, string state, string creds, int port, int count, int settle, string subdevice, string work)
{
    var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in new[]
    {
        $"--State:DataDirectory={state}", "--Wifi:Driver=Simulated", "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={Path.Combine(state, "gpio.sock")}",
        "--Provisioning:BindAddress=127.0.0.1", "--Provisioning:BroadcastAddress=127.255.255.255",
        $"--Provisioning:SearchPort={FreeUdpPort()}", $"--Provisioning:AnswerPort={FreeUdpPort()}", $"--Provisioning:SessionPort={FreeTcpPort()}",
        "--Bridge:ListenAddress=127.0.0.1", $"--Bridge:Port={port}", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
    })
    {
        start.ArgumentList.Add(a);
    }
    start.Environment.Remove("NOTIFY_SOCKET");
    start.Environment.Remove("STATE_DIRECTORY");
    start.Environment.Remove("CONFIGURATION_DIRECTORY");
    var watch = Stopwatch.StartNew();
    using var gateway = Process.Start(start)!;
    var stderr = gateway.StandardError.ReadToEndAsync();
    try
    {
        double readyMs = -1;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (await gateway.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.Contains("Application started", StringComparison.Ordinal))
                {
                    readyMs = watch.Elapsed.TotalMilliseconds;
                    break;
                }
            }
        }
        if (readyMs < 0)
        {
            throw new InvalidOperationException("the gateway never logged 'Application started': " + await stderr);
        }
        _ = gateway.StandardOutput.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(settle));
        var idle = Rss(gateway.Id).Rss;

        var emulator = new ProcessStartInfo(subdevice) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "run", "--credentials", creds, "--count", count.ToString(CultureInfo.InvariantCulture), "--interval", "10s", "--stagger", "5ms" })
        {
            emulator.ArgumentList.Add(a);
        }
        using var fleet = Process.Start(emulator)!;
        var fleetErr = fleet.StandardError.ReadToEndAsync();
        long linkedMs = -1;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (await fleet.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("linked ", StringComparison.Ordinal))
                {
                    // "linked N/N in X ms"
                    var parts = line.Split(' ');
                    linkedMs = long.Parse(parts[3], CultureInfo.InvariantCulture);
                    break;
                }
            }
            if (linkedMs < 0)
            {
                Stop(fleet);
                throw new InvalidOperationException("the sub-devices never all linked: " + await fleetErr + "\ngateway: " + (gateway.HasExited ? await stderr : "(running)"));
            }
            _ = fleet.StandardOutput.ReadToEndAsync();
            await Task.Delay(TimeSpan.FromSeconds(settle * 2)); // every sensor reports at least twice
            var (loaded, peak) = Rss(gateway.Id);
            return (readyMs, idle, loaded, peak, linkedMs);
        }
        finally
        {
            Stop(fleet);
        }
    }
    finally
    {
        Stop(gateway);
    }
}

static (long Rss, long Peak) Rss(int pid)
{
    long rss = 0, peak = 0;
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
    return (rss, peak);
}

static void Stop(Process process)
{
    if (process.HasExited) return;
    using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) { kill.WaitForExit(); }
    if (!process.WaitForExit(15_000)) process.Kill(entireProcessTree: true);
}

static int FreeTcpPort()
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}

static int FreeUdpPort()
{
    using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)u.Client.LocalEndPoint!).Port;
}

static void CopyDirectory(string from, string to)
{
    Directory.CreateDirectory(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    foreach (var file in Directory.GetFiles(from))
    {
        File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
