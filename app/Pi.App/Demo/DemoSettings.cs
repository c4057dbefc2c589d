namespace Pi.App.Demo;

/// <summary>The demo's options (see <see cref="DemoCommand"/>).</summary>
internal sealed record DemoSettings(
    int SubDevices,
    string? DataDirectory,
    bool Keep,
    bool Watch,
    bool Json,
    bool Verbose,
    bool ShowSecrets,
    int CloudPort,
    string? WifiPassword,
    TimeSpan StepTimeout);
