using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Pi.Cloud.Options;

namespace Pi.Cloud.Accounts;

/// <summary>
/// Salted slow hashes of user and gateway passwords: PBKDF2-HMAC-SHA256 with a 16-byte random salt
/// and a 32-byte output, stored as <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt b64&gt;$&lt;hash b64&gt;</c>
/// so the iteration count can be raised later (<see cref="NeedsRehash"/>) without breaking old hashes.
/// </summary>
/// <remarks>
/// Every verification, including the one against a malformed stored string and
/// <see cref="VerifyDummy"/>, derives exactly one key, so how long a login takes does not tell
/// whether the account exists. Nothing here ever puts a password into an exception or a string.
/// </remarks>
public sealed class PasswordHasher
{
    /// <summary>The algorithm tag, first part of every stored hash.</summary>
    public const string Algorithm = "pbkdf2-sha256";

    /// <summary>Salt size in bytes.</summary>
    public const int SaltSize = 16;

    /// <summary>Derived key size in bytes.</summary>
    public const int HashSize = 32;

    /// <summary>Fewest and most iterations accepted, configured or stored (the upper bound keeps a tampered row from stalling a login).</summary>
    public const int MinIterations = 1, MaxIterations = 10_000_000;

    /// <summary>Longest password accepted, in UTF-16 characters; longer ones never verify.</summary>
    public const int MaxPasswordLength = 1024;

    private const char Separator = '$';

    private readonly Pbkdf2 _derive;

    // Verifications that have no real hash to compare with derive against these, so they cost the same.
    private readonly byte[] _dummySalt = RandomNumberGenerator.GetBytes(SaltSize);
    private readonly byte[] _dummyHash = RandomNumberGenerator.GetBytes(HashSize);

    /// <summary>Uses <see cref="AccountOptions.PasswordHashIterations"/>.</summary>
    public PasswordHasher(IOptions<CloudOptions> options)
        : this(IterationsOf(options))
    {
    }

    /// <summary>Hashes with <paramref name="iterations"/> PBKDF2 iterations.</summary>
    public PasswordHasher(int iterations)
        : this(iterations, DeriveKey)
    {
    }

    /// <summary>Test seam: <paramref name="derive"/> replaces the PBKDF2 call so tests can count work.</summary>
    internal PasswordHasher(int iterations, Pbkdf2 derive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        ArgumentNullException.ThrowIfNull(derive);
        Iterations = iterations;
        _derive = derive;
    }

    /// <summary>One PBKDF2-HMAC-SHA256 derivation of <paramref name="destination"/>.Length bytes.</summary>
    internal delegate void Pbkdf2(ReadOnlySpan<char> password, ReadOnlySpan<byte> salt, Span<byte> destination, int iterations);

    /// <summary>The iteration count new hashes get.</summary>
    public int Iterations { get; }

    /// <summary>A new stored form of <paramref name="password"/>, with a fresh random salt.</summary>
    /// <exception cref="ArgumentException">The password is empty, longer than <see cref="MaxPasswordLength"/> or not valid Unicode.</exception>
    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!IsAcceptable(password))
        {
            throw new ArgumentException($"A password must be 1 to {MaxPasswordLength} characters of valid Unicode text.", nameof(password));
        }
        Span<byte> salt = stackalloc byte[SaltSize];
        Span<byte> hash = stackalloc byte[HashSize];
        RandomNumberGenerator.Fill(salt);
        _derive(password, salt, hash, Iterations);
        var stored = string.Join(
            Separator,
            Algorithm,
            Iterations.ToString(CultureInfo.InvariantCulture),
            Convert.ToBase64String(salt),
            Convert.ToBase64String(hash));
        CryptographicOperations.ZeroMemory(hash);
        return stored;
    }

    /// <summary>
    /// True when <paramref name="password"/> matches <paramref name="stored"/>. The comparison is
    /// constant-time; a malformed <paramref name="stored"/> or an unacceptable password gives false
    /// after the same work as a real check.
    /// </summary>
    public bool Verify(string password, string stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(stored, out var iterations, out var salt, out var expected) || !IsAcceptable(password))
        {
            VerifyDummy(password);
            return false;
        }
        return Matches(password, salt, expected, iterations);
    }

    /// <summary>
    /// Costs what a <see cref="Verify"/> of a current hash costs and always returns false. Call it for
    /// an unknown user or tid so the answer takes as long as for a known one.
    /// </summary>
    public bool VerifyDummy(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        // A password that could never verify is not skipped: the work must not depend on it.
        var span = IsAcceptable(password) ? password.AsSpan() : [];
        _ = Matches(span, _dummySalt, _dummyHash, Iterations);
        return false;
    }

    /// <summary>
    /// True when <paramref name="stored"/> should be replaced by a new <see cref="Hash"/> after the
    /// next successful login: it has fewer iterations than configured, or it is not a hash this class reads.
    /// </summary>
    public bool NeedsRehash(string stored) =>
        !TryParse(stored, out var iterations, out _, out _) || iterations < Iterations;

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Algorithm}, {Iterations} iterations");

    private bool Matches(ReadOnlySpan<char> password, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> expected, int iterations)
    {
        Span<byte> actual = stackalloc byte[HashSize];
        _derive(password, salt, actual, iterations);
        var equal = CryptographicOperations.FixedTimeEquals(actual, expected);
        CryptographicOperations.ZeroMemory(actual);
        return equal;
    }

    private static bool TryParse(string? stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        if (stored is null || stored.Length > 256)
        {
            return false;
        }
        var parts = stored.Split(Separator);
        if (parts.Length != 4
            || !string.Equals(parts[0], Algorithm, StringComparison.Ordinal)
            || parts[1].Length is 0 or > 8
            || parts[1][0] == '0'
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
            || iterations is < MinIterations or > MaxIterations)
        {
            return false;
        }
        salt = new byte[SaltSize];
        hash = new byte[HashSize];
        return Convert.TryFromBase64String(parts[2], salt, out var saltLength) && saltLength == SaltSize
            && Convert.TryFromBase64String(parts[3], hash, out var hashLength) && hashLength == HashSize;
    }

    private static bool IsAcceptable(string password)
    {
        if (password.Length is 0 or > MaxPasswordLength)
        {
            return false;
        }
        for (var i = 0; i < password.Length; i++)
        {
            if (char.IsHighSurrogate(password[i]) && i + 1 < password.Length && char.IsLowSurrogate(password[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(password[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static void DeriveKey(ReadOnlySpan<char> password, ReadOnlySpan<byte> salt, Span<byte> destination, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, destination, iterations, HashAlgorithmName.SHA256);

    private static int IterationsOf(IOptions<CloudOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Value.Accounts.PasswordHashIterations;
    }
}
