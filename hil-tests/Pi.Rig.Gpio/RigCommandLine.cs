using System.Device.Gpio;

namespace Pi.Rig.Gpio;

/// <summary>Parses the command line, runs the script, maps failures to exit codes (0 done, 1 failed, 2 usage).</summary>
internal static class RigCommandLine
{
    public const string Usage = """
        usage: Pi.Rig.Gpio --socket <path> [--press-level 0|1] --script "<statements>"
               (--script - reads the script from standard input)
        statements, separated by ';' or new lines ('#' starts a comment):
          watch                        record level changes (implied by the statements that need it)
          press <pin> <duration>       press, hold, release        -> PRESS <pin> <down-ms> <up-ms>
          down <pin> | up <pin>        press / let go               -> DOWN|UP <pin> <ms>
          set <pin> <0|1> | float <pin>  drive / stop driving        -> SET|FLOAT <pin> <ms>
          read <pin>                   the wire's level             -> READ <pin> <0|1>
          mode <pin>                   the gateway's pin mode       -> MODE <pin> <mode>
          wait <duration>              pause
          wait-level <pin> <0|1> [<timeout>]  until the pin is at it -> LEVEL <pin> <0|1> <ms>
          wait-change <pin> [<timeout>]       until its next change  -> CHANGE <pin> <0|1> <ms>
          record <duration>            the changes seen meanwhile   -> RECORD <from-ms> <to-ms>, then EVT lines
          timeline                     every change seen so far     -> EVT <pin> <0|1> <ms> lines
        durations: 250ms, 2s or 1.5s; a bare number is milliseconds; timeouts default to 10s.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors)
    {
        string? socket = null;
        string? script = null;
        var pressLevel = PinValue.Low;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--help" or "-h":
                    await output.WriteLineAsync(Usage);
                    return 0;
                case "--socket" when value is not null:
                    socket = value;
                    i++;
                    break;
                case "--script" when value is not null:
                    script = value == "-" ? await Console.In.ReadToEndAsync() : value;
                    i++;
                    break;
                case "--press-level" when value is "0" or "1":
                    pressLevel = value == "1" ? PinValue.High : PinValue.Low;
                    i++;
                    break;
                default:
                    await errors.WriteLineAsync(Usage);
                    return 2;
            }
        }

        if (socket is null || script is null)
        {
            await errors.WriteLineAsync(Usage);
            return 2;
        }

        IReadOnlyList<RigStatement> statements;
        try
        {
            statements = RigStatement.ParseScript(script);
        }
        catch (FormatException ex)
        {
            await errors.WriteLineAsync($"script: {ex.Message}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        try
        {
            await new RigScriptRunner(socket, pressLevel, output).RunAsync(statements, stop.Token);
            return 0;
        }
        catch (Exception ex) when (ex is Pi.Gateway.Gpio.VirtualGpioRigException or TimeoutException or OperationCanceledException
            or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await output.FlushAsync(CancellationToken.None);
            await errors.WriteLineAsync($"rig: {ex.Message}");
            return 1;
        }
    }
}
