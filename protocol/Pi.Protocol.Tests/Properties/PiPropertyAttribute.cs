using FsCheck.Xunit;
using Pi.Protocol.Tests.Mutation;

namespace Pi.Protocol.Tests.Properties;

/// <summary>
/// An FsCheck property that replays the same inputs in every run: its random generator starts from
/// the fuzz seed (<c>PI_FUZZ_SEED</c>, or the fixed default), which FsCheck prints on a failure.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PiPropertyAttribute : PropertyAttribute
{
    public PiPropertyAttribute()
    {
        Replay = Fuzz.FsCheckReplay;
        QuietOnSuccess = true;
    }
}
