using System.Diagnostics;
using System.Text.Json;
using Pi.Cloud.Sessions;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>
/// A sub-device that is not ours: docs/interop/subdevice.py, written from docs/protocol.md alone,
/// speaking through Debian's mosquitto_pub and mosquitto_sub, links to the real bridge, sends
/// telemetry the cloud records, and answers a command from the APP. This is the proof that the spec
/// is enough for a sub-device maker.
/// </summary>
public sealed class Spec_Only_Sub_Device_Tests
{
    [Fact]
    public async Task A_python_sub_device_over_mosquitto_clients_links_reports_and_answers()
    {
        foreach (var tool in new[] { "python3", "mosquitto_pub", "mosquitto_sub" })
        {
            Assert.True(OnPath(tool), $"{tool} is required (bash .ci/run installs python3-cryptography and mosquitto-clients)");
        }
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        var (did, key) = await harness.AddSubDeviceAsync("switch");
        harness.Bridge.Open(TimeSpan.FromMinutes(1));
        var telemetry = new TaskCompletionSource<JsonElement?>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Cloud.Service<GatewayPresence>().TelemetryReceived += (_, t) =>
        {
            if (t.Did == did)
            {
                telemetry.TrySetResult(t.Payload);
            }
        };

        using var python = Process.Start(new ProcessStartInfo("python3")
        {
            ArgumentList =
            {
                Path.Combine(RepositoryRoot(), "docs", "interop", "subdevice.py"),
                "--port", harness.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--did", did, "--local-key", key.ToBase64(), "--telemetry", "19.25", "--commands", "2",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.Equal("linked", await python.StandardOutput.ReadLineAsync(timeout.Token));
            Assert.Equal("sent", await python.StandardOutput.ReadLineAsync(timeout.Token));
            var payload = await telemetry.Task.WaitAsync(timeout.Token);
            Assert.Equal(19.25, payload!.Value.GetProperty("temperature").GetDouble());

            var set = await harness.CommandAsync("switch.set", did, new { on = true });
            Assert.True(set.Ok, set.ErrorMessage);
            Assert.True(set.Result!.Value.GetProperty("on").GetBoolean());
            var unknown = await harness.CommandAsync("dance", did);
            Assert.False(unknown.Ok);
            Assert.Equal("unknown_command", unknown.ErrorCode);

            await python.WaitForExitAsync(timeout.Token);
            Assert.True(python.ExitCode == 0, await python.StandardError.ReadToEndAsync(timeout.Token));
        }
        catch (OperationCanceledException)
        {
            if (!python.HasExited)
            {
                python.Kill(entireProcessTree: true);
            }
            Assert.Fail("the Python sub-device did not finish: " + await python.StandardError.ReadToEndAsync());
        }
        finally
        {
            if (!python.HasExited)
            {
                python.Kill(entireProcessTree: true);
            }
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Pi.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Pi.sln not found above the test binaries");
    }
}
