using System.CommandLine;
using Pi.App.Commands;
using Pi.Protocol.Errors;

namespace Pi.App;

/// <summary>
/// The whole tool behind one testable entry point. Program.cs passes the console; tests pass
/// string writers. Exit codes: 0 success, 1 usage error, 2 protocol error.
/// </summary>
internal static class Cli
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command line is wrong (unknown option or value, missing option, unreadable file).</summary>
    public const int UsageError = 1;

    /// <summary>Pi.Protocol rejected the input (bad key, bad bytes, failed authentication...).</summary>
    public const int ProtocolError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var io = new CliContext(stdout, stderr, stdin);
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
        catch (UsageException ex)
        {
            io.WriteError(ex.Message);
            return UsageError;
        }
    }

    public static RootCommand BuildRootCommand(CliContext io)
    {
        var root = new RootCommand("pi-app: the Pi Gateway companion app as a command-line tool. Decode and encode protocol traffic, or walk through the whole protocol in memory.");
        root.Add(DecodeCommand.Create(io));
        root.Add(EncodeCommand.Create(io));
        root.Add(WalkthroughCommand.Create(io));
        return root;
    }
}
