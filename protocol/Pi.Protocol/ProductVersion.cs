using System.Reflection;

namespace Pi.Protocol;

/// <summary>
/// The one version of every part (gateway, cloud, app, sub-device emulator, packages): set once as
/// <c>VersionPrefix</c> in Directory.Build.props; the SDK appends <c>+&lt;git commit&gt;</c> to the
/// informational version when it builds from a git checkout. Each program answers <c>--version</c>
/// with <see cref="Line"/>.
/// </summary>
public static class ProductVersion
{
    /// <summary>The informational version, e.g. <c>0.9.0+3f2a…</c> (no commit outside a git checkout).</summary>
    public static string Informational { get; } =
        typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ProductVersion).Assembly.GetName().Version?.ToString(3)
        ?? "0.0.0";

    /// <summary>The version without the build metadata (what the packages are named after), e.g. <c>0.9.0</c>.</summary>
    public static string Version { get; } = Informational.Split('+')[0];

    /// <summary>The git commit the build came from, or null when it was not built from a checkout.</summary>
    public static string? Commit { get; } = Informational.Contains('+', StringComparison.Ordinal) ? Informational[(Informational.IndexOf('+', StringComparison.Ordinal) + 1)..] : null;

    /// <summary>The line a program prints for <c>--version</c>: <c>&lt;program&gt; &lt;informational version&gt;</c>.</summary>
    public static string Line(string program) => $"{program} {Informational}";

    /// <summary>True when the command line asks only for the version (<c>--version</c> alone).</summary>
    public static bool IsRequested(IReadOnlyList<string> args) => args is ["--version"];
}
