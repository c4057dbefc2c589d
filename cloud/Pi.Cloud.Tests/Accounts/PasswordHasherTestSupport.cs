using System.Security.Cryptography;
using Pi.Cloud.Accounts;

namespace Pi.Cloud.Tests.Accounts;

/// <summary>A hasher whose PBKDF2 calls are recorded, so tests can count work instead of timing it.</summary>
internal sealed class CountingHasher
{
    public const int Iterations = 1000;

    private readonly List<(int Iterations, int Length)> _calls = [];

    public CountingHasher(int iterations = Iterations)
    {
        Hasher = new PasswordHasher(iterations, (password, salt, destination, count) =>
        {
            lock (_calls)
            {
                _calls.Add((count, destination.Length));
            }
            Rfc2898DeriveBytes.Pbkdf2(password, salt, destination, count, HashAlgorithmName.SHA256);
        });
    }

    public PasswordHasher Hasher { get; }

    public IReadOnlyList<(int Iterations, int Length)> TakeCalls()
    {
        lock (_calls)
        {
            var calls = _calls.ToArray();
            _calls.Clear();
            return calls;
        }
    }
}
