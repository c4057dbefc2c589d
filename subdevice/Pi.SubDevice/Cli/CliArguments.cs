using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Pi.Protocol.Crypto;
using Pi.SubDevice.Client;

namespace Pi.SubDevice.Cli;

/// <summary>Stable exit codes of <c>Pi.SubDevice</c> (README, "Exit codes").</summary>
internal static class ExitCodes
{
    /// <summary>Stopped cleanly (Ctrl+C / SIGTERM), or help was shown.</summary>
    public const int Ok = 0;

    /// <summary>The command line is wrong: unknown command or option, a missing or invalid value.</summary>
    public const int Usage = 1;

    /// <summary>The credentials file is missing, unreadable or invalid, or holds fewer entries than --count.</summary>
    public const int Credentials = 2;

    /// <summary>A port could not be bound, or the credentials file could not be written.</summary>
    public const int Io = 3;

    /// <summary>An unexpected failure (a bug): see the log.</summary>
    public const int Internal = 70;
}

/// <summary>The command line is wrong; the message says what and how to fix it (never a secret).</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Emulated device kinds.</summary>
internal enum DeviceKind
{
    Sensor,
    Switch,
}

/// <summary>Options of <c>run</c> (and of the running phase of <c>onboard</c>).</summary>
internal sealed record RunArguments(string? Credentials, int? Count, DeviceKind? Kind, TimeSpan Interval, string? Broker, TimeSpan Stagger, bool Verbose);

/// <summary>Options of <c>onboard</c>.</summary>
internal sealed record OnboardArguments(string Mac, SetupCode SetupCode, string CredentialsOut, int Port1, int Port2, int Port3, IPAddress Bind, RunArguments Run);

/// <summary>A small, strict parser: <c>--name value</c> pairs, each option at most once, nothing unknown.</summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CliArguments(string command) => Command = command;

    public string Command { get; }

    public static CliArguments Parse(string[] args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flagOptions)
    {
        var parsed = new CliArguments(args[0]);
        for (var i = 1; i < args.Length; i++)
        {
            var name = args[i];
            if (flagOptions.Contains(name))
            {
                if (!parsed._flags.Add(name))
                {
                    throw new UsageException($"{name} is given twice");
                }
                continue;
            }
            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"unknown option '{Printable(name)}' for '{args[0]}' (see --help)");
            }
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"{name} needs a value");
            }
            if (!parsed._values.TryAdd(name, args[++i]))
            {
                throw new UsageException($"{name} is given twice");
            }
        }
        return parsed;
    }

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    public string Required(string name) => Value(name) ?? throw new UsageException($"{name} is required");

    public int Int(string name, int fallback, int min, int max)
    {
        var text = Value(name);
        if (text is null)
        {
            return fallback;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"{name} must be a whole number from {min} to {max}");
        }
        return value;
    }

    /// <summary>A duration: <c>10s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>, or plain seconds (<c>10</c>, <c>0.5</c>).</summary>
    public TimeSpan Duration(string name, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var text = Value(name);
        if (text is null)
        {
            return fallback;
        }
        var (number, unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            throw new UsageException($"{name} must be a duration such as 10s, 500ms or 2m");
        }
        var duration = TimeSpan.FromSeconds(value * unit);
        if (duration < min || duration > max)
        {
            throw new UsageException($"{name} must be between {Format(min)} and {Format(max)}");
        }
        return duration;
    }

    public RunArguments RunOptions(bool credentialsRequired)
    {
        var credentials = credentialsRequired ? Required("--credentials") : Value("--credentials");
        int? count = Value("--count") is null ? null : Int("--count", 1, 1, 100_000);
        DeviceKind? kind = Value("--kind") switch
        {
            null => null,
            "sensor" => DeviceKind.Sensor,
            "switch" => DeviceKind.Switch,
            _ => throw new UsageException("--kind must be sensor or switch"),
        };
        var interval = Duration("--interval", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1));
        var stagger = Duration("--stagger", TimeSpan.FromMilliseconds(20), TimeSpan.Zero, TimeSpan.FromSeconds(10));
        var broker = Value("--broker");
        if (broker is not null)
        {
            try
            {
                BrokerEndpoint.Parse(broker);
            }
            catch (FormatException ex)
            {
                throw new UsageException($"--broker: {ex.Message}", ex);
            }
        }
        return new RunArguments(credentials, count, kind, interval, broker, stagger, Flag("--verbose"));
    }

    public OnboardArguments OnboardOptions()
    {
        var mac = Required("--mac").ToUpperInvariant();
        if (mac.Length != 17 || !PhysicalAddress.TryParse(mac, out _) || mac.Split(':').Length != 6)
        {
            throw new UsageException("--mac must be written AA:BB:CC:DD:EE:FF");
        }
        // The setup code is a secret: the message says what is wrong, never what was typed.
        if (!SetupCode.TryParse(Required("--setup-code"), out var code, out var reason))
        {
            throw new UsageException($"--setup-code is not valid: {reason}");
        }
        var bindText = Value("--bind") ?? "0.0.0.0";
        if (!IPAddress.TryParse(bindText, out var bind) || bind.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new UsageException("--bind must be an IPv4 address such as 127.0.0.1 or 0.0.0.0");
        }
        var port1 = Int("--port1", 10071, 1, 65535);
        var port2 = Int("--port2", 10072, 1, 65535);
        var port3 = Int("--port3", 10073, 1, 65535);
        // --credentials and --count are not onboard options (the parser refuses them): onboard runs
        // the one sub-device it onboards, from --credentials-out.
        var run = RunOptions(credentialsRequired: false);
        return new OnboardArguments(mac, code, Value("--credentials-out") ?? "creds.json", port1, port2, port3, bind, run);
    }

    private static string Format(TimeSpan value) =>
        value.TotalSeconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###}s") : string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0}ms");

    private static string Printable(string text) => text.Length > 40 ? text[..40] + "..." : text;
}
