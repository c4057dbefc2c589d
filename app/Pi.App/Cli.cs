using System.CommandLine;
using Pi.App.Cloud;
using Pi.App.Commands;
using Pi.Protocol.Errors;

namespace Pi.App;

/// <summary>
/// The whole tool behind one testable entry point. Program.cs passes the console; tests pass
/// string writers. Exit codes (stable, documented in app/README.md): 0 success, 1 usage error,
/// 2 protocol error, 3 cloud unreachable or its certificate untrusted, 4 not logged in or not
/// authorized, 5 not found, 6 conflict (already bound, email taken), 7 the device answered with an
/// error, timed out or is offline, 8 any other cloud failure, 9 no gateway (or sub-device) answered
/// the search, 10 wrong setup code, 11 the gateway is busy with another APP, 12 Wi-Fi failure.
/// </summary>
internal static class Cli
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command line is wrong (unknown option or value, missing option, unreadable file).</summary>
    public const int UsageError = 1;

    /// <summary>Pi.Protocol rejected the input (bad key, bad bytes, failed authentication...).</summary>
    public const int ProtocolError = 2;

    /// <summary>The cloud cannot be reached, does not answer in time, or its TLS certificate is not trusted.</summary>
    public const int CloudUnreachable = 3;

    /// <summary>Not logged in, the session expired, wrong email or password, or not the gateway's owner.</summary>
    public const int NotAuthorized = 4;

    /// <summary>The cloud does not know the gateway or sub-device.</summary>
    public const int NotFound = 5;

    /// <summary>A conflict: the gateway is bound to another user, the email is taken.</summary>
    public const int Conflict = 6;

    /// <summary>The device answered a command with an error, did not answer in time, is offline or busy.</summary>
    public const int DeviceError = 7;

    /// <summary>Any other cloud failure (rate limited, internal error, an answer the app does not understand).</summary>
    public const int CloudError = 8;

    /// <summary>No gateway (or sub-device) answered the search (absent, another network, or another setup code: a device stays silent to those).</summary>
    public const int NoDevice = 9;

    /// <summary>Answers were heard but none opened under the setup code given: it is not the device's.</summary>
    public const int WrongSetupCode = 10;

    /// <summary>The gateway is already provisioned (<c>already_provisioned</c>), or another APP is provisioning it (<c>busy</c>).</summary>
    public const int DeviceBusy = 11;

    /// <summary>The gateway could not join the Wi-Fi network (the reason is printed).</summary>
    public const int WifiFailure = 12;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin, CancellationToken cancellationToken = default) =>
        RunAsync(args, stdout, stderr, stdin, null, cancellationToken);

    /// <summary>
    /// As above, with a console for prompts and progress (tests pass Spectre.Console.Testing's
    /// TestConsole to drive the interactive SSID pick). Null: the process's console when it is a
    /// terminal, plain text otherwise.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin, Spectre.Console.IAnsiConsole? console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var io = new CliContext(stdout, stderr, stdin, console);
        io.AddSecretsFromArguments(args);

        var root = BuildRootCommand(io);
        // '@path' is ours (a data file), not a response file.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                io.WriteError(error.Message);
            }
            io.WriteNote("add --help (after the command, for its options) for usage");
            return UsageError;
        }

        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration
                {
                    Output = stdout,
                    Error = stderr,
                    EnableDefaultExceptionHandler = false,
                    // No process-wide signal handlers: runs are short, and tests run many in parallel.
                    ProcessTerminationTimeout = null,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ProtocolException ex)
        {
            // The message already starts with the code's wire name ("authentication_failed: ...").
            io.WriteError(ex.Message);
            return ProtocolError;
        }
        catch (CloudException ex)
        {
            io.WriteError(ex.Message);
            return ex.ExitCode;
        }
        catch (UsageException ex)
        {
            io.WriteError(ex.Message);
            return UsageError;
        }
    }

    public static RootCommand BuildRootCommand(CliContext io)
    {
        var root = new RootCommand("pi-app: the Pi Gateway companion app as a command-line tool. Provision and bind gateways, add sub-devices, manage your gateways on the cloud, decode and encode protocol traffic, or walk through the whole protocol in memory.");
        root.Add(DecodeCommand.Create(io));
        root.Add(EncodeCommand.Create(io));
        root.Add(WalkthroughCommand.Create(io));
        root.Add(AccountCommands.Signup(io));
        root.Add(AccountCommands.Login(io));
        root.Add(AccountCommands.Logout(io));
        root.Add(GatewayCommands.List(io));
        root.Add(GatewayCommands.RotateKeys(io));
        root.Add(GatewayCommands.Send(io));
        root.Add(GatewayCommands.SubDevices(io));
        root.Add(ProvisionCommand.Create(io));
        return root;
    }
}
