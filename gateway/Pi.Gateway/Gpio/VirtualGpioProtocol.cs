using System.Device.Gpio;
using System.Globalization;

namespace Pi.Gateway.Gpio;

/// <summary>What a rig asks of the virtual chip (one line of the socket protocol).</summary>
internal enum RigCommandKind
{
    Ping = 1,
    Get = 2,
    Mode = 3,
    Set = 4,
    Release = 5,
    Watch = 6,
    Quit = 7,
}

/// <summary>A parsed request line.</summary>
internal readonly record struct RigCommand(RigCommandKind Kind, int Pin = -1, PinValue Level = default);

/// <summary>
/// The rig socket's line protocol (documented in Gpio/README.md): ASCII lines ending in LF, at
/// most <see cref="MaxLineLength"/> bytes. Parsing is pure and never throws for any input.
/// </summary>
internal static class VirtualGpioProtocol
{
    /// <summary>Longest request line in bytes, without its LF (a CR before the LF is allowed and dropped).</summary>
    public const int MaxLineLength = 64;

    /// <summary>Longest line the server ever sends; clients bound their reads by it.</summary>
    public const int MaxReplyLength = 128;

    public const string ErrSyntax = "syntax";
    public const string ErrUnknownCommand = "unknown-command";
    public const string ErrBadPin = "bad-pin";
    public const string ErrBadLevel = "bad-level";
    public const string ErrNotInput = "not-input";
    public const string ErrLineTooLong = "line-too-long";
    public const string ErrBusy = "busy";
    public const string ErrOverflow = "overflow";
    public const string ErrAlreadyWatching = "already-watching";

    /// <summary>Parses one request line (without its LF). On failure, <paramref name="error"/> is the reply.</summary>
    public static bool TryParse(ReadOnlySpan<char> line, int pinCount, out RigCommand command, out string error)
    {
        command = default;
        error = "";
        foreach (var c in line)
        {
            if (c is < ' ' or > '~')
            {
                error = Error(ErrSyntax, "printable ASCII only");
                return false;
            }
        }

        Span<Range> parts = stackalloc Range[4];
        var count = line.Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries);
        if (count == 0)
        {
            error = Error(ErrSyntax, "empty line");
            return false;
        }

        var verb = line[parts[0]];
        RigCommandKind kind;
        int arity;
        if (verb.Equals("PING", StringComparison.OrdinalIgnoreCase)) (kind, arity) = (RigCommandKind.Ping, 0);
        else if (verb.Equals("GET", StringComparison.OrdinalIgnoreCase)) (kind, arity) = (RigCommandKind.Get, 1);
        else if (verb.Equals("MODE", StringComparison.OrdinalIgnoreCase)) (kind, arity) = (RigCommandKind.Mode, 1);
        else if (verb.Equals("SET", StringComparison.OrdinalIgnoreCase)) (kind, arity) = (RigCommandKind.Set, 2);
        else if (verb.Equals("RELEASE", StringComparison.OrdinalIgnoreCase)) (kind, arity) = (RigCommandKind.Release, 1);
        else if (verb.Equals("WATCH", StringComparison.OrdinalIgnoreCase)) (kind, arity) = (RigCommandKind.Watch, 0);
        else if (verb.Equals("QUIT", StringComparison.OrdinalIgnoreCase)) (kind, arity) = (RigCommandKind.Quit, 0);
        else
        {
            error = Error(ErrUnknownCommand, "commands: PING GET MODE SET RELEASE WATCH QUIT");
            return false;
        }

        if (count != arity + 1)
        {
            error = Error(ErrSyntax, arity switch
            {
                0 => $"{kind.ToString().ToUpperInvariant()} takes no argument",
                1 => $"{kind.ToString().ToUpperInvariant()} <pin>",
                _ => "SET <pin> <0|1>",
            });
            return false;
        }

        var pin = -1;
        if (arity >= 1 && !TryParsePin(line[parts[1]], pinCount, out pin))
        {
            error = Error(ErrBadPin, $"pins are 0-{pinCount - 1}");
            return false;
        }

        var level = PinValue.Low;
        if (arity == 2)
        {
            var token = line[parts[2]];
            if (token is "1")
            {
                level = PinValue.High;
            }
            else if (token is not "0")
            {
                error = Error(ErrBadLevel, "levels are 0 or 1");
                return false;
            }
        }

        command = new RigCommand(kind, pin, level);
        return true;
    }

    public static string Error(string code, string text) => $"ERR {code} {text}";

    public static string Level(PinValue level) => level == PinValue.High ? "1" : "0";

    public static string UnixMs(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public static string ModeName(VirtualPinMode mode) => mode switch
    {
        VirtualPinMode.Input => "input",
        VirtualPinMode.InputPullUp => "input-pullup",
        VirtualPinMode.InputPullDown => "input-pulldown",
        VirtualPinMode.Output => "output",
        _ => "closed",
    };

    public static bool TryParseMode(ReadOnlySpan<char> name, out VirtualPinMode mode)
    {
        mode = name switch
        {
            "closed" => VirtualPinMode.Closed,
            "input" => VirtualPinMode.Input,
            "input-pullup" => VirtualPinMode.InputPullUp,
            "input-pulldown" => VirtualPinMode.InputPullDown,
            "output" => VirtualPinMode.Output,
            _ => (VirtualPinMode)(-1),
        };
        return mode != (VirtualPinMode)(-1);
    }

    private static bool TryParsePin(ReadOnlySpan<char> token, int pinCount, out int pin)
    {
        pin = -1;
        if (token.Length is 0 or > 3)
        {
            return false;
        }

        foreach (var c in token)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        pin = int.Parse(token, NumberStyles.None, CultureInfo.InvariantCulture);
        return pin < pinCount;
    }
}
