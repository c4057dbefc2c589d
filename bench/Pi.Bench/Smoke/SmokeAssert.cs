using Pi.Protocol.Crypto;

namespace Pi.Bench.Smoke;

/// <summary>Small assertions for <see cref="ISmokeCheck"/> implementations.</summary>
internal static class SmokeAssert
{
    public static void BytesEqual(ReadOnlySpan<byte> expected, object? actual, string what)
    {
        if (actual is not byte[] bytes || !expected.SequenceEqual(bytes))
        {
            throw new SmokeFailure($"{what}: the bytes differ from the expected {expected.Length} bytes");
        }
    }

    public static void Equal<T>(T expected, object? actual, string what)
    {
        if (actual is not T value || !EqualityComparer<T>.Default.Equals(expected, value))
        {
            throw new SmokeFailure($"{what}: expected {expected}, got {actual ?? "null"}");
        }
    }

    public static void SameKey(SymmetricKey expected, object? actual, string what)
    {
        if (actual is not SymmetricKey key || !key.Equals(expected))
        {
            throw new SmokeFailure($"{what}: the derived key differs from the peer's");
        }
    }
}

/// <summary>A smoke check that failed.</summary>
internal sealed class SmokeFailure(string message) : Exception(message);
