using System.CommandLine;

namespace Pi.App.Commands;

/// <summary>Options every cloud command has.</summary>
internal static class CloudOptions
{
    /// <summary>How long a request may take (a command's own timeout is added to it).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Option<string> ConfigDir() => new("--config-dir")
    {
        Description = "where session.json is kept (default $XDG_CONFIG_HOME/pi-app or ~/.config/pi-app)",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "print the result as JSON (one line) instead of text",
    };
}
