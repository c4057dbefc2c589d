using System.CommandLine;
using System.Globalization;
using System.Net;
using Pi.App.Provisioning;
using Pi.Protocol.Labels;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;

namespace Pi.App.Commands;

/// <summary>
/// Options <c>provision</c> and <c>subdevices add</c> share: which device (QR text, or MAC and setup
/// code) and where to search for it.
/// </summary>
internal sealed class DeviceOptions
{
    public Option<string> Qr { get; } = new("--qr")
    {
        Description = "the text of the device's QR label (PIGW:1;M:...;S:...;N:...;); @path reads it from a file. It holds the setup code",
    };

    public Option<string> Mac { get; } = new("--mac") { Description = "the device's MAC from its label, AA:BB:CC:DD:EE:FF (with --setup-code)" };

    public Option<string> SetupCode { get; } = new("--setup-code") { Description = "the setup code from the device's label (18 symbols, dashes allowed); @path reads it from a file" };

    public Option<string> Search { get; } = new("--search")
    {
        Description = "where searchDevice is sent, ADDR[:PORT] (default 255.255.255.255:10071; a softAP subnet's broadcast such as 192.168.4.255 is surer on a computer with several networks)",
    };

    public Option<int> AnswerPort { get; } = new("--answer-port")
    {
        Description = "the local UDP port the device's answer arrives on (port2)",
        DefaultValueFactory = _ => ProvisioningDefaults.AnswerPort,
    };

    public Option<string> Interface { get; } = new("--interface") { Description = "send and listen only on this network interface, e.g. wlan0 (SO_BINDTODEVICE, Linux)" };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "how long one search waits for the device's answer, in seconds",
        DefaultValueFactory = _ => 10,
    };

    public Option<double> OnlineTimeout { get; } = new("--online-timeout")
    {
        Description = "how long to wait until the cloud shows the device online, in seconds; 0: do not wait",
        DefaultValueFactory = _ => 60,
    };

    public Option<bool> ShowSecrets { get; } = new("--show-secrets")
    {
        Description = "also print the secrets of the run (setup code, passwords, keys); never in errors",
    };

    public IEnumerable<Option> All => [Qr, Mac, SetupCode, Search, AnswerPort, Interface, Timeout, OnlineTimeout, ShowSecrets];

    /// <summary>The device to look for: from <c>--qr</c>, or from <c>--mac</c> and <c>--setup-code</c>.</summary>
    public async Task<DeviceTarget> ReadTargetAsync(ParseResult parse, CliContext io, CancellationToken cancellationToken)
    {
        var qr = parse.GetValue(Qr);
        var mac = parse.GetValue(Mac);
        var code = parse.GetValue(SetupCode);
        DeviceTarget target;
        if (qr is not null)
        {
            if (mac is not null || code is not null)
            {
                throw new UsageException("give either --qr or --mac with --setup-code, not both");
            }
            var text = await Io.InputReader.ReadTextAsync(qr, "QR payload", io, cancellationToken).ConfigureAwait(false);
            io.AddSecret(text);
            if (!QrPayload.TryParse(text, out var payload, out var error))
            {
                throw new UsageException($"--qr: {error}");
            }
            target = DeviceTarget.From(payload);
        }
        else
        {
            if (mac is null || code is null)
            {
                throw new UsageException("say which device: --qr <payload>, or --mac <MAC> with --setup-code <CODE>");
            }
            if (!DeviceMac.TryNormalize(mac, out var normalized))
            {
                throw new UsageException("--mac must be a unicast MAC like AA:BB:CC:DD:EE:FF");
            }
            var text = await Io.InputReader.ReadTextAsync(code, "setup code", io, cancellationToken).ConfigureAwait(false);
            io.AddSecret(text);
            if (!Pi.Protocol.Crypto.SetupCode.TryParse(text, out var setupCode, out var reason))
            {
                throw new UsageException($"--setup-code: {reason}");
            }
            target = new DeviceTarget(normalized, setupCode, null);
        }
        io.AddSecret(target.SetupCode.ToCanonicalString());
        io.AddSecret(target.SetupCode.ToDisplayString());
        return target;
    }

    /// <summary>The search options from the command line; <paramref name="random"/> is the login's nonce.</summary>
    public SearchOptions ReadSearchOptions(ParseResult parse, byte[]? random)
    {
        var timeout = parse.GetValue(Timeout);
        if (!(timeout > 0 && timeout <= 3600))
        {
            throw new UsageException("--timeout must be between 0 and 3600 seconds (not 0)");
        }
        var answerPort = parse.GetValue(AnswerPort);
        if (answerPort is < 1 or > 65535)
        {
            throw new UsageException("--answer-port must be 1 to 65535");
        }
        return new SearchOptions
        {
            SearchEndPoint = ParseEndPoint(parse.GetValue(Search), "--search"),
            AnswerPort = answerPort,
            InterfaceName = parse.GetValue(Interface) is { Length: > 0 } name ? name : null,
            Timeout = TimeSpan.FromSeconds(timeout),
            Random = random ?? ReadOnlyMemory<byte>.Empty,
        };
    }

    public TimeSpan ReadOnlineTimeout(ParseResult parse)
    {
        var seconds = parse.GetValue(OnlineTimeout);
        return seconds is >= 0 and <= 86400
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException("--online-timeout must be 0 to 86400 seconds");
    }

    /// <summary>ADDR[:PORT] (IPv4); the port defaults to port1.</summary>
    public static IPEndPoint ParseEndPoint(string? text, string option)
    {
        if (text is null)
        {
            return new IPEndPoint(IPAddress.Broadcast, ProvisioningDefaults.SearchPort);
        }
        if (!IPEndPoint.TryParse(text.Trim(), out var endPoint) || endPoint.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new UsageException($"{option} must be an IPv4 address with an optional port, like 192.168.4.255 or 192.168.4.1:10071");
        }
        if (endPoint.Port == 0)
        {
            endPoint.Port = ProvisioningDefaults.SearchPort;
        }
        return endPoint;
    }

    /// <summary>
    /// One step that talks to a device: its provisioning failures, an unusable answer port and an
    /// interface this system cannot tie sockets to become a <see cref="StepFailure"/> with the exit
    /// code and what to do next (<paramref name="noAnswerNext"/> replaces the advice for NoAnswer).
    /// </summary>
    public static async Task<T> DeviceStepAsync<T>(StepUi ui, string step, string doing, Func<Task<T>> work, string device, string? noAnswerNext = null)
    {
        ArgumentNullException.ThrowIfNull(ui);
        try
        {
            return await ui.StepAsync(step, doing, work).ConfigureAwait(false);
        }
        catch (ProvisioningClientException ex)
        {
            var failure = Map(step, ex, device);
            throw noAnswerNext is not null && ex.Failure == ProvisioningFailure.NoAnswer
                ? new StepFailure(step, failure.ExitCode, failure.Message, noAnswerNext, ex)
                : failure;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new StepFailure(step, Cli.UsageError, $"the answer port cannot be used: {ex.SocketErrorCode}", "choose another --answer-port, or check --interface", ex);
        }
        catch (PlatformNotSupportedException ex)
        {
            throw new StepFailure(step, Cli.UsageError, ex.Message, "leave out --interface on this system", ex);
        }
    }

    /// <summary>A step's failure from the APP's provisioning client, with the exit code and what to do next.</summary>
    public static StepFailure Map(string step, ProvisioningClientException ex, string device)
    {
        var (exit, next) = ex.Failure switch
        {
            ProvisioningFailure.NoAnswer => (Cli.NoDevice,
                $"check that this computer is on the {device}'s network and that the setup code is the one on its label (a {device} stays silent to a search with another setup code); "
                + $"a {device} that is already provisioned does not offer a session: reset it (hold its reset button) to provision it again"),
            ProvisioningFailure.WrongSetupCode => (Cli.WrongSetupCode, "check the setup code on the label, or scan the QR code again"),
            ProvisioningFailure.AlreadyProvisioned => (Cli.DeviceBusy, $"the {device} already belongs to a cloud account: to provision it again, reset it (hold its reset button until the status LED changes), then run the command again"),
            ProvisioningFailure.Busy => (Cli.DeviceBusy, $"another APP is provisioning this {device}: wait until it is done (or for a minute) and run the command again"),
            ProvisioningFailure.ConnectionLost => (Cli.DeviceError, $"the connection to the {device} was lost: run the command again"),
            ProvisioningFailure.Refused => (Cli.DeviceError, $"the {device} refused the request: run the command again; if it persists, reset the {device}"),
            _ => (Cli.ProtocolError, $"the {device} and this app do not understand each other: check that both are up to date"),
        };
        return new StepFailure(step, exit, ex.Message, next, ex);
    }

    public static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}

/// <summary>A step of provision or subdevices add failed: what to print and the exit code.</summary>
internal sealed class StepFailure : Exception
{
    public StepFailure(string step, int exitCode, string reason, string next, Exception? inner = null, string outcome = "failed")
        : base(reason, inner)
    {
        Step = step;
        ExitCode = exitCode;
        Next = next;
        Outcome = outcome;
    }

    public StepFailure()
        : this("unknown", Cli.ProtocolError, "failed", "run the command again")
    {
    }

    public StepFailure(string message)
        : this("unknown", Cli.ProtocolError, message, "run the command again")
    {
    }

    public StepFailure(string message, Exception innerException)
        : this("unknown", Cli.ProtocolError, message, "run the command again", innerException)
    {
    }

    public string Step { get; }

    public int ExitCode { get; }

    public string Next { get; }

    public string Outcome { get; }
}
