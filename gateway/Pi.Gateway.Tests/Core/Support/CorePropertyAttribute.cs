using System.Globalization;
using FsCheck.Xunit;

namespace Pi.Gateway.Tests.Core.Support;

/// <summary>
/// An FsCheck property that replays the same inputs on every run (CI is deterministic): the seed is
/// <c>PI_FUZZ_SEED</c> or a fixed default, and FsCheck prints it with any failure.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class CorePropertyAttribute : PropertyAttribute
{
    public const int DefaultSeed = 0x6A7E_2026;

    public static int Seed { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("PI_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : DefaultSeed;

    public CorePropertyAttribute()
    {
        Replay = string.Create(CultureInfo.InvariantCulture, $"({(uint)Seed},{0x9E3779B9U})");
        QuietOnSuccess = true;
    }
}
