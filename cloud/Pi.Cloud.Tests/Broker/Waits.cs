using System.Security.Cryptography;
using Xunit.Sdk;

namespace Pi.Cloud.Tests.Broker;

/// <summary>Bounded waits that fail with what was expected, and fresh ids so tests never share a gateway.</summary>
internal static class Waits
{
    /// <summary>Generous on a shared 2-core machine; a passing test never waits this long.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task<T> Within<T>(this Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Timeout);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new XunitException($"Timed out after {Timeout.TotalSeconds} s waiting for {what}.");
        }
    }

    public static async Task Within(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(Timeout);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new XunitException($"Timed out after {Timeout.TotalSeconds} s waiting for {what}.");
        }
    }

    public static async Task<T> Within<T>(this ValueTask<T> task, string what) => await task.AsTask().Within(what);

    /// <summary>
    /// For state that no event announces (e.g. a worker's view of presence): re-checks every few
    /// milliseconds, bounded by <see cref="Timeout"/>.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new XunitException($"Timed out after {Timeout.TotalSeconds} s waiting for {what}.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    public static string NewTid() => "gw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
}
