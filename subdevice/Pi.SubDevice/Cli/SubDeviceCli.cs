using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Pi.Protocol.Messages;
using Pi.SubDevice.Client;
using Pi.SubDevice.Emulation;
using Pi.SubDevice.Onboarding;

namespace Pi.SubDevice.Cli;

/// <summary>
/// <c>Pi.SubDevice run</c> and <c>Pi.SubDevice onboard</c>. Everything is here rather than in
/// Program.cs so tests run the same code in-process (with their own writers, token and loggers).
/// </summary>
internal static class SubDeviceCli
{
    public const string Usage = """
        Pi.SubDevice: sub-device emulator and reference client (docs/subdevice.md)

        Usage:
          Pi.SubDevice run --credentials creds.json [--count N] [--kind sensor|switch]
                           [--interval 10s] [--broker mqtt://host:port] [--stagger 20ms] [--verbose]
          Pi.SubDevice onboard --mac AA:BB:CC:DD:EE:FF --setup-code XXXXXX-XXXXXX-XXXXXX
                           [--credentials-out creds.json] [--bind 0.0.0.0]
                           [--port1 10071] [--port2 10072] [--port3 10073]
                           [--kind sensor|switch] [--interval 10s] [--broker ...] [--verbose]

        run      runs the sub-devices of a credentials file (a JSON array of subDeviceInfo entries):
                 all of them, or the first N with --count; --kind overrides each entry's kind
                 (default sensor); --broker overrides each entry's broker.
        onboard  answers the APP's onboarding as the sub-device (searchDevice on UDP port1,
                 deviceInfo to the APP's port2, the session on TCP port3), stores the delivered
                 subDeviceInfo in --credentials-out (mode 0600), then runs as that sub-device.

        Exit codes: 0 stopped cleanly, 1 usage error, 2 credentials file invalid,
                    3 port or file I/O failed, 70 internal error.
        """;

    private static readonly HashSet<string> RunValueOptions = ["--credentials", "--count", "--kind", "--interval", "--broker", "--stagger"];
    private static readonly HashSet<string> OnboardValueOptions = ["--mac", "--setup-code", "--credentials-out", "--bind", "--port1", "--port2", "--port3", "--kind", "--interval", "--broker", "--stagger"];
    private static readonly HashSet<string> Flags = ["--verbose"];

    /// <summary>The process entry: wires Ctrl+C and SIGTERM to a clean stop.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        return await RunAsync(args, Console.Out, Console.Error, stop.Token).ConfigureAwait(false);
    }

    /// <summary>Runs one command line; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0)
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        if (args[0] is "--help" or "-h" or "help" || args.Contains("--help"))
        {
            await stdout.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        try
        {
            switch (args[0])
            {
                case "run":
                {
                    var options = CliArguments.Parse(args, RunValueOptions, Flags).RunOptions(credentialsRequired: true);
                    using var owned = loggers is null ? CreateLoggers(options.Verbose) : null;
                    return await RunFleetAsync(options, stdout, stderr, owned ?? loggers!, cancellationToken).ConfigureAwait(false);
                }
                case "onboard":
                {
                    var options = CliArguments.Parse(args, OnboardValueOptions, Flags).OnboardOptions();
                    using var owned = loggers is null ? CreateLoggers(options.Run.Verbose) : null;
                    return await OnboardAsync(options, stdout, stderr, owned ?? loggers!, cancellationToken).ConfigureAwait(false);
                }
                default:
                    await stderr.WriteLineAsync($"unknown command '{(args[0].Length > 40 ? args[0][..40] : args[0])}': use run or onboard (see --help)").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (CredentialsFileException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Credentials;
        }
    }

    private static async Task<int> RunFleetAsync(RunArguments options, TextWriter stdout, TextWriter stderr, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var entries = CredentialsFile.Load(options.Credentials!);
        var count = options.Count ?? entries.Count;
        if (entries.Count == 0 || count > entries.Count)
        {
            throw new CredentialsFileException($"{options.Credentials}: holds {entries.Count} entries, {count} needed");
        }
        return await RunDevicesAsync(entries.Take(count).ToList(), options, stdout, stderr, loggers, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> OnboardAsync(OnboardArguments options, TextWriter stdout, TextWriter stderr, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        SubDeviceInfo info;
        var responder = new OnboardingResponder(
            new OnboardingOptions(options.Mac, options.SetupCode, options.Bind, options.Port1, options.Port2, options.Port3),
            (delivered, ct) => CredentialsFile.StoreAsync(options.CredentialsOut, delivered, ct));
        await using (responder.ConfigureAwait(false))
        {
            try
            {
                await responder.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                await stderr.WriteLineAsync($"error: cannot listen on {options.Bind} udp/{options.Port1} and tcp/{options.Port3}: {ex.SocketErrorCode}").ConfigureAwait(false);
                return ExitCodes.Io;
            }
            var logger = loggers.CreateLogger("Pi.SubDevice.Onboarding");
            responder.Refused += (_, refusal) => OnboardingLog.Refused(logger, refusal.Stage, refusal.Code.ToString());
            await stdout.WriteLineAsync($"waiting for the APP: {options.Mac} answers searchDevice on udp/{options.Port1} (deviceInfo to port {options.Port2}), session on tcp/{options.Port3}").ConfigureAwait(false);
            try
            {
                info = await responder.Onboarded.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
        }
        await stdout.WriteLineAsync($"onboarded {info.Did} (broker {info.Broker}); credentials stored in {options.CredentialsOut}").ConfigureAwait(false);
        return await RunDevicesAsync([info], options.Run, stdout, stderr, loggers, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> RunDevicesAsync(IReadOnlyList<SubDeviceInfo> entries, RunArguments options, TextWriter stdout, TextWriter stderr, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var devices = entries.Select(e => (e, (options.Kind ?? (string.Equals(e.Kind, "switch", StringComparison.Ordinal) ? DeviceKind.Switch : DeviceKind.Sensor)) == DeviceKind.Switch));
        Fleet fleet;
        try
        {
            // A broker override keeps a pin only if it is a TLS broker too.
            var keepPins = options.Broker is null || options.Broker.StartsWith("mqtts:", StringComparison.Ordinal);
            devices = devices.Select(d => (keepPins ? d.e : d.e with { BrokerFingerprint = null }, d.Item2)).ToList();
            fleet = new Fleet(devices, options.Broker, options.Interval, TimeProvider.System, loggers);
        }
        catch (FormatException ex)
        {
            throw new CredentialsFileException($"{options.Credentials ?? "onboarded credentials"}: {ex.Message}", ex);
        }
        await using (fleet.ConfigureAwait(false))
        {
            var started = Stopwatch.GetTimestamp();
            await stdout.WriteLineAsync($"starting {fleet.Members.Count} sub-device(s), {options.Stagger.TotalMilliseconds:0} ms apart").ConfigureAwait(false);
            try
            {
                await fleet.StartAsync(options.Stagger, cancellationToken).ConfigureAwait(false);
                await fleet.AllLinked.WaitAsync(cancellationToken).ConfigureAwait(false);
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"linked {fleet.Members.Count}/{fleet.Members.Count} in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms")).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C / SIGTERM: a clean stop.
            }
            await stdout.WriteLineAsync($"stopping: {fleet.Summary()}").ConfigureAwait(false);
        }
        return ExitCodes.Ok;
    }

    private static ILoggerFactory CreateLoggers(bool verbose) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            // Logs go to stderr; stdout carries the command's own lines (for scripts).
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}

/// <summary>Log lines of the onboarding command.</summary>
internal static partial class OnboardingLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "onboarding refused a {Stage}: {Code}")]
    public static partial void Refused(ILogger logger, string stage, string code);
}
