using System.CommandLine;

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
            _ = parse.GetValue(full);
            io.Out.WriteLine("not yet");
            return Task.FromResult(Cli.Success);
        });
        return command;
    }
}
