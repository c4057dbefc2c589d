using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Pi.Gateway.Gpio;

/// <summary>Which <see cref="System.Device.Gpio.GpioDriver"/> the gateway uses.</summary>
public enum GpioDriverKind
{
    /// <summary>libgpiod's v1 API (<c>libgpiod.so.2</c>; Raspberry Pi OS Bookworm's <c>libgpiod2</c> package).</summary>
    Libgpiod = 1,

    /// <summary>libgpiod's v2 API (<c>libgpiod.so.3</c>; Debian Trixie's <c>libgpiod3</c> package).</summary>
    LibgpiodV2 = 2,

    /// <summary>Pins in memory, driven by a rig over a Unix socket (development, CI, the simulated HIL rig).</summary>
    Virtual = 3,
}

/// <summary>
/// The <c>Gpio</c> section: the driver, the reset button and the status LEDs. Pin numbers are BCM
/// GPIO numbers (libgpiod line offsets on the Pi's header chip), not header pin positions.
/// Sample and wiring: Gpio/README.md.
/// </summary>
public sealed class GpioOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Gpio";

    /// <summary>The driver (default <see cref="GpioDriverKind.Libgpiod"/>: the gateway's home is a Pi).</summary>
    public GpioDriverKind Driver { get; set; } = GpioDriverKind.Libgpiod;

    /// <summary>The gpiochip number for libgpiod (0: the header's chip on a Pi 1-4 and on a Pi 5 with a current kernel; <c>gpiodetect</c> tells).</summary>
    public int Chip { get; set; }

    /// <summary>The virtual driver's rig socket (systemd's <c>RuntimeDirectory=pi-gateway</c> makes its folder).</summary>
    public string VirtualSocketPath { get; set; } = "/run/pi-gateway/gpio.sock";

    /// <summary>Pins on the virtual chip (28: BCM 0-27, as on the header).</summary>
    public int VirtualPinCount { get; set; } = VirtualGpioDriver.DefaultPinCount;

    /// <summary>Socket mode 0660 instead of 0600, for a rig that runs as another user in the gateway's group.</summary>
    public bool VirtualSocketGroupAccess { get; set; }

    /// <summary>
    /// The reset button's pin: BCM 17 (header pin 11, with ground beside it on pin 9). Free in Raspberry
    /// Pi OS's default configuration: not an I2C, SPI0, UART or PCM pin, and no role at boot.
    /// </summary>
    public int ResetPin { get; set; } = 17;

    /// <summary>True: the button connects the pin to ground and the internal pull-up holds it high (pressed = low). False: to 3.3 V with the pull-down.</summary>
    public bool ResetPullUp { get; set; } = true;

    /// <summary>Edges within this many ms after a release are bounce, not a new press (GpioButton's debounce); also the shortest press counted.</summary>
    public int DebounceMs { get; set; } = 50;

    /// <summary>Holding the button this long is a long press (factory reset).</summary>
    public int LongPressMs { get; set; } = 5000;

    /// <summary>
    /// One or two status LEDs: the first is green (or the only LED), the second red. Default BCM 27
    /// (header pin 13) and BCM 22 (pin 15), with ground on pin 14.
    /// </summary>
    public IReadOnlyList<int> LedPins { get; set; } = [27, 22];

    /// <summary>True when a high pin lights the LED (LED from the pin through a resistor to ground); false for LEDs wired to 3.3 V.</summary>
    public bool LedActiveHigh { get; set; } = true;

    /// <summary>
    /// Reads the section into <paramref name="options"/> by hand, without reflection, so the
    /// gateway stays trim- and AOT-clean. Keys that are absent keep their defaults.
    /// </summary>
    /// <exception cref="OptionsValidationException">A value is not of its key's type.</exception>
    public static void Bind(IConfiguration section, GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();

        if (section[nameof(Driver)] is { } driver)
        {
            // By name only: Enum.TryParse would also take "3" or "Virtual,Libgpiod".
            if (Enum.GetNames<GpioDriverKind>().FirstOrDefault(n => n.Equals(driver.Trim(), StringComparison.OrdinalIgnoreCase)) is { } name)
            {
                options.Driver = Enum.Parse<GpioDriverKind>(name);
            }
            else
            {
                problems.Add($"{Section}:{nameof(Driver)} '{driver}' is not one of {string.Join(", ", Enum.GetNames<GpioDriverKind>())}.");
            }
        }

        options.Chip = ReadInt(section, nameof(Chip), options.Chip, problems);
        options.VirtualSocketPath = section[nameof(VirtualSocketPath)] ?? options.VirtualSocketPath;
        options.VirtualPinCount = ReadInt(section, nameof(VirtualPinCount), options.VirtualPinCount, problems);
        options.VirtualSocketGroupAccess = ReadBool(section, nameof(VirtualSocketGroupAccess), options.VirtualSocketGroupAccess, problems);
        options.ResetPin = ReadInt(section, nameof(ResetPin), options.ResetPin, problems);
        options.ResetPullUp = ReadBool(section, nameof(ResetPullUp), options.ResetPullUp, problems);
        options.DebounceMs = ReadInt(section, nameof(DebounceMs), options.DebounceMs, problems);
        options.LongPressMs = ReadInt(section, nameof(LongPressMs), options.LongPressMs, problems);
        options.LedActiveHigh = ReadBool(section, nameof(LedActiveHigh), options.LedActiveHigh, problems);

        var ledPins = section.GetSection(nameof(LedPins));
        var children = ledPins.GetChildren().ToList();
        if (children.Count > 0)
        {
            // An array: LedPins:0, LedPins:1 (JSON [27, 22] or environment Gpio__LedPins__0=27).
            var pins = new List<int>();
            foreach (var child in children.OrderBy(c => int.TryParse(c.Key, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue))
            {
                pins.Add(ReadInt(ledPins, child.Key, -1, problems));
            }

            options.LedPins = pins;
        }
        else if (ledPins.Value is { } list)
        {
            // Or one string, "27,22", handy on a command line.
            options.LedPins = [.. list.Split(',', StringSplitOptions.TrimEntries).Select(p =>
                int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pin) ? pin : Problem(problems, $"{Section}:{nameof(LedPins)} '{list}' is not a list of pin numbers."))];
        }

        if (problems.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(GpioOptions), problems);
        }
    }

    private static int ReadInt(IConfiguration section, string key, int fallback, List<string> problems)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : Problem(problems, $"{Section}:{key} '{text}' is not a whole number.");
    }

    private static bool ReadBool(IConfiguration section, string key, bool fallback, List<string> problems)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        problems.Add($"{Section}:{key} '{text}' is not true or false.");
        return fallback;
    }

    private static int Problem(List<string> problems, string problem)
    {
        problems.Add(problem);
        return -1;
    }
}

/// <summary>Checks <see cref="GpioOptions"/> at start (<c>ValidateOnStart</c>), naming each bad key.</summary>
public sealed class GpioOptionsValidator : IValidateOptions<GpioOptions>
{
    /// <summary>Highest BCM number accepted (the BCM2711 has 58 lines, the Pi 5's RP1 54).</summary>
    public const int MaxPin = 63;

    /// <summary>GpioButton refuses a debounce longer than a third of its double-press window; ours is kept at 1.5 s.</summary>
    public const int MaxDebounceMs = 500;

    /// <summary>Bytes a Unix socket path may have (sun_path is 108 bytes with its terminating NUL).</summary>
    public const int MaxSocketPathBytes = 107;

    public ValidateOptionsResult Validate(string? name, GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var s = GpioOptions.Section;
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Driver))
        {
            failures.Add($"{s}:Driver must be one of {string.Join(", ", Enum.GetNames<GpioDriverKind>())}.");
        }

        var maxPin = MaxPin;
        if (options.Driver == GpioDriverKind.Virtual)
        {
            if (string.IsNullOrWhiteSpace(options.VirtualSocketPath))
            {
                failures.Add($"{s}:VirtualSocketPath is required with the Virtual driver.");
            }
            else if (System.Text.Encoding.UTF8.GetByteCount(options.VirtualSocketPath) > MaxSocketPathBytes)
            {
                failures.Add($"{s}:VirtualSocketPath is longer than a Unix socket path may be ({MaxSocketPathBytes} bytes).");
            }

            if (options.VirtualPinCount is < 1 or > VirtualGpioDriver.MaxPinCount)
            {
                failures.Add($"{s}:VirtualPinCount must be 1-{VirtualGpioDriver.MaxPinCount}.");
            }
            else
            {
                maxPin = options.VirtualPinCount - 1;
            }
        }
        else if (options.Chip < 0)
        {
            failures.Add($"{s}:Chip must be 0 or more (the N of /dev/gpiochipN).");
        }

        if (options.ResetPin < 0 || options.ResetPin > maxPin)
        {
            failures.Add($"{s}:ResetPin must be 0-{maxPin}.");
        }

        if (options.DebounceMs is < 1 or > MaxDebounceMs)
        {
            failures.Add($"{s}:DebounceMs must be 1-{MaxDebounceMs}.");
        }

        if (options.LongPressMs < 1000 || options.LongPressMs > 60_000 || options.LongPressMs <= options.DebounceMs)
        {
            failures.Add($"{s}:LongPressMs must be 1000-60000 and longer than DebounceMs.");
        }

        if (options.LedPins is null || options.LedPins.Count is < 1 or > 2)
        {
            failures.Add($"{s}:LedPins must list one or two pins (green, then red).");
        }
        else
        {
            if (options.LedPins.Any(p => p < 0 || p > maxPin))
            {
                failures.Add($"{s}:LedPins must be 0-{maxPin}.");
            }

            if (options.LedPins.Distinct().Count() != options.LedPins.Count || options.LedPins.Contains(options.ResetPin))
            {
                failures.Add($"{s}:LedPins and ResetPin must be different pins.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
