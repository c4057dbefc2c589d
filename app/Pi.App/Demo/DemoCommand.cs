using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Pi.App.Demo;

/// <summary>
/// <c>pi-app demo</c>: the whole system on this machine in one command (app/README.md, "demo").
/// </summary>
internal static class DemoCommand
{
    /// <summary>A hosted part (cloud, gateway, sub-device) did not start, or did not do its job in time.</summary>
    public const int PartFailed = 20;

    /// <summary>Ctrl+C before the demo finished (not with --watch, where Ctrl+C is the way to end it).</summary>
    public const int Interrupted = 130;

    public static Command Create(CliContext io)
    {
        var subDevices = new Option<int>("--sub-devices")
        {
            Description = "how many emulated sub-devices to onboard (1..16; the last is a switch, the others are sensors)",
            DefaultValueFactory = _ => 3,
        };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "where the cloud, gateway, sub-devices and the app keep their files (a new or empty directory; default a new temporary one)",
        };
        var keep = new Option<bool>("--keep") { Description = "keep the data directory at the end (default: removed)" };
        var watch = new Option<bool>("--watch") { Description = "keep everything running and print live telemetry until Ctrl+C" };
        var json = new Option<bool>("--json") { Description = "print only a JSON summary on stdout at the end" };
        var verbose = new Option<bool>("--verbose") { Description = "show the hosted parts' logs at Information (default Warning), on stderr" };
        var showSecrets = new Option<bool>("--show-secrets") { Description = "show the setup codes and the passwords the demo makes up" };
        var cloudPort = new Option<int>("--cloud-port")
        {
            Description = "the cloud's HTTPS port on 127.0.0.1 (default 0: a free one)",
            DefaultValueFactory = _ => 0,
        };
        var wifiPassword = new Option<string>("--wifi-password")
        {
            Description = "the password the demo types for the home router (default the right one; a wrong one shows the Wi-Fi failure)",
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = "seconds any one wait (a part starting, a device linking, a reading) may take",
            DefaultValueFactory = _ => 30,
        };
        var command = new Command("demo", "Run the whole system on this machine: a cloud, a gateway with simulated hardware and emulated sub-devices on loopback; provision, bind and add them with this app's own commands, show telemetry and a command round trip, then stop and clean up")
        {
            subDevices, dataDir, keep, watch, json, verbose, showSecrets, cloudPort, wifiPassword, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new DemoSettings(
                parse.GetValue(subDevices), parse.GetValue(dataDir), parse.GetValue(keep), parse.GetValue(watch), parse.GetValue(json),
                parse.GetValue(verbose), parse.GetValue(showSecrets), parse.GetValue(cloudPort), parse.GetValue(wifiPassword),
                TimeSpan.FromSeconds(parse.GetValue(timeout)));
            if (settings.SubDevices is < 1 or > 16)
            {
                throw new UsageException("--sub-devices must be 1..16");
            }
            if (settings.CloudPort is < 0 or > 65535)
            {
                throw new UsageException("--cloud-port must be 0..65535");
            }
            if (settings.StepTimeout <= TimeSpan.Zero || settings.StepTimeout > TimeSpan.FromHours(1))
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--timeout must be 1..3600 seconds"));
            }
            // Ctrl+C and SIGTERM end the demo cleanly (everything stopped, the data directory removed)
            // instead of killing the process with the parts running.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            var fancy = ReferenceEquals(io.Out, Console.Out) && !Console.IsOutputRedirected;
            var console = new DemoConsole(io.Out, fancy, quiet: settings.Json);
            return await new DemoRun(settings, io, console).RunAsync(stop.Token).ConfigureAwait(false);

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        });
        return command;
    }
}
