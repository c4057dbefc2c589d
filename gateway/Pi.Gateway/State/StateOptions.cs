namespace Pi.Gateway.State;

/// <summary>
/// Where and how the gateway keeps its state (section <c>State</c>):
/// <code>
/// "State": { "DataDirectory": "/var/lib/pi-gateway", "MaxFileBytes": 1048576, "RegenerateIdentity": false }
/// </code>
/// </summary>
public sealed class StateOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "State";

    /// <summary>The data directory on a Pi (systemd's <c>StateDirectory=pi-gateway</c>).</summary>
    public const string DefaultDataDirectory = "/var/lib/pi-gateway";

    /// <summary>The command-line switch that sets <see cref="RegenerateIdentity"/> for one start.</summary>
    public const string RegenerateIdentityArgument = "--regenerate-identity";

    /// <summary>Smallest and largest allowed <see cref="MaxFileBytes"/>.</summary>
    public const int MinFileBytesBound = 4 * 1024, MaxFileBytesBound = 64 * 1024 * 1024;

    /// <summary>The directory holding every state file; created with mode 0700 when missing.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>
    /// A state file larger than this is corrupt (read no further). 1 MiB holds the identity, the
    /// registration and the keys of a few thousand sub-devices.
    /// </summary>
    public int MaxFileBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Only when identity.json is corrupt: move it aside and make a new identity (which needs a new
    /// label) instead of refusing to start. A valid identity is never replaced.
    /// </summary>
    public bool RegenerateIdentity { get; set; }

    /// <summary>What is wrong with these options (empty when nothing).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(DataDirectory) || !Path.IsPathFullyQualified(DataDirectory))
        {
            errors.Add($"{SectionName}:DataDirectory must be an absolute path");
        }
        if (MaxFileBytes is < MinFileBytesBound or > MaxFileBytesBound)
        {
            errors.Add($"{SectionName}:MaxFileBytes must be between {MinFileBytesBound} and {MaxFileBytesBound}");
        }
        return errors;
    }
}
