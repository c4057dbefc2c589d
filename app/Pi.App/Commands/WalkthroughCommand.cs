using System.CommandLine;
using Pi.App.Walkthrough;
using Pi.Protocol.Errors;

namespace Pi.App.Commands;

/// <summary><c>pi-app walkthrough [--full]</c>: the seed's whole protocol, in memory, step by step.</summary>
internal static class WalkthroughCommand
{
    public static Command Create(CliContext io)
    {
        var full = new Option<bool>("--full") { Description = "print every byte instead of cutting long values in the middle" };
        var command = new Command("walkthrough", "Run the whole protocol (provisioning, registration, login, session, sub-device link, reset, logout) in memory and print every step with its seed label")
        {
            full,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            try
            {
                WalkthroughScript.Run(new Narrator(io.Out, parse.GetValue(full)));
            }
            catch (InvalidOperationException ex)
            {
                // A party accepted what it must refuse, or a step went missing: a bug, reported as such.
                throw new ProtocolException(ProtocolErrorCode.Internal, $"the walkthrough went wrong: {ex.Message}", ex);
            }
            return Task.FromResult(Cli.Success);
        });
        return command;
    }
}
