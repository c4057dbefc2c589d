using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pi.Protocol.Errors;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// Seed and size of every randomized test. The seed is fixed so CI is deterministic; set
/// <c>PI_FUZZ_SEED</c> to explore other inputs (or to reproduce a printed failure) and
/// <c>PI_FUZZ_CASES</c> to run more cases per decoder (fewer than the default are ignored).
/// </summary>
internal static class Fuzz
{
    public const int DefaultSeed = 0x5EED_2026;
    public const int DefaultCases = 100_000;

    public static int Seed { get; } = ReadInt("PI_FUZZ_SEED", DefaultSeed);

    public static int Cases { get; } = Math.Max(DefaultCases, ReadInt("PI_FUZZ_CASES", DefaultCases));

    /// <summary>The FsCheck replay string of the seed, e.g. "(1592467494,2654435769)".</summary>
    public static string FsCheckReplay => string.Create(CultureInfo.InvariantCulture, $"({(uint)Seed},{0x9E3779B9U})");

    public static string Hex(ReadOnlySpan<byte> bytes, int max = 96) =>
        bytes.Length <= max ? Convert.ToHexString(bytes) : $"{Convert.ToHexString(bytes[..max])}... ({bytes.Length} bytes)";

    public static string Show(string text, int max = 96)
    {
        var shown = text.Length <= max ? text : text[..max] + $"... ({text.Length} chars)";
        var builder = new StringBuilder();
        foreach (var c in shown)
        {
            _ = c is >= ' ' and <= '~' ? builder.Append(c) : builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
        }
        return builder.ToString();
    }

    private static int ReadInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}

/// <summary>The outcome of one case: success (with an optional label) or a protocol error code.</summary>
internal readonly record struct Outcome(ProtocolErrorCode? Code, string? Label)
{
    public static Outcome Success(string? label = null) => new(null, label ?? "ok");

    public static Outcome Error(ProtocolErrorCode code) => new(code, null);

    public bool IsSuccess => Code is null;

    public override string ToString() => Code is { } code ? ProtocolErrors.Name(code) + (Label is null ? "" : "/" + Label) : Label ?? "ok";
}

/// <summary>One generated input and a description of how it was made (for failure messages).</summary>
internal sealed record FuzzCase<T>(T Input, string Description);

/// <summary>
/// Runs a decoder over generated cases: the only exception allowed to escape is a
/// <see cref="ProtocolException"/> with a defined code; everything else fails the test with the
/// seed, the case number and the input. Counts outcomes per code.
/// </summary>
internal sealed class FuzzRun(string decoder, ITestOutputHelper output)
{
    private readonly Dictionary<string, int> _histogram = new(StringComparer.Ordinal);

    public int Seed { get; } = Fuzz.Seed;

    public TimeSpan Elapsed { get; private set; }

    public IReadOnlyDictionary<string, int> Histogram => _histogram;

    /// <summary>
    /// Cases run before allocations are checked (first calls load types and fill caches). The
    /// limits leave room for a few KiB of runtime noise; they catch allocations sized by a lying
    /// length, not a stray kilobyte. Allocation_Bound_Tests measures the tight numbers.
    /// </summary>
    public const int AllocationWarmup = 2_000;

    /// <summary>Most bytes one case allocated while decoding (after the warm-up).</summary>
    public long MaxAllocated { get; private set; }

    /// <summary>
    /// Runs <paramref name="cases"/> cases. <paramref name="decode"/> returns a success outcome or throws;
    /// <paramref name="judge"/> returns null when the outcome is right for the input, else why not.
    /// When <paramref name="allocationLimit"/> is given, a decode that allocates more bytes than it
    /// allows for its input fails the test: nothing may be allocated from an unbounded length.
    /// </summary>
    public void Run<T>(int cases, Func<Random, int, FuzzCase<T>> generate, Func<T, Outcome> decode, Func<FuzzCase<T>, Outcome, string?> judge, Func<T, long>? allocationLimit = null)
    {
        // One Random per run: case i depends on the seed and on cases 0..i-1 only, never on
        // outcomes, so a run with the same seed replays it exactly.
        var rng = new Random(Seed);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < cases; i++)
        {
            var item = generate(rng, i);
            Outcome outcome;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                outcome = decode(item.Input);
            }
            catch (ProtocolException ex)
            {
                if (!Enum.IsDefined(ex.Code) || !ProtocolErrors.All.Contains(ex.Code))
                {
                    Fail(i, item, $"ProtocolException with undefined code {(int)ex.Code}", ex);
                }
                outcome = Outcome.Error(ex.Code);
            }
            catch (Exception ex) when (ex is not XunitException)
            {
                Fail(i, item, $"{ex.GetType().FullName} escaped: {ex.Message}", ex);
                throw;
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocationLimit is not null && i >= AllocationWarmup)
            {
                var limit = allocationLimit(item.Input);
                // The runtime now and then allocates tens of KiB on the thread (caches it fills
                // when code is re-jitted or an exception first passes through it). What the decoder
                // allocates is the same every time, so measure again before blaming it. A repeat
                // cannot change a stateful decoder: the input failed, and failures change nothing.
                for (var retry = 0; retry < 2 && allocated > limit; retry++)
                {
                    allocated = Math.Min(allocated, MeasureAgain(decode, item.Input));
                }
                MaxAllocated = Math.Max(MaxAllocated, allocated);
                if (allocated > limit)
                {
                    Fail(i, item, $"outcome {outcome}: decoding allocated {allocated} bytes, more than the {limit} this input allows", null);
                }
            }
            var verdict = judge(item, outcome);
            if (verdict is not null)
            {
                Fail(i, item, $"outcome {outcome}: {verdict}", null);
            }
            var key = outcome.ToString();
            _histogram[key] = _histogram.GetValueOrDefault(key) + 1;
        }
        Elapsed = watch.Elapsed;
        output.WriteLine(Summary(cases));
    }

    private static long MeasureAgain<T>(Func<T, Outcome> decode, T input)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            decode(input);
        }
        catch (ProtocolException)
        {
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Fails unless every expected outcome occurred at least once.</summary>
    public void AssertReached(params string[] expected)
    {
        var missing = expected.Where(name => !_histogram.ContainsKey(name)).ToList();
        Assert.True(missing.Count == 0, $"{decoder} (seed {Seed}): never produced {string.Join(", ", missing)}; histogram: {FormatHistogram()}");
    }

    /// <summary>Fails unless every expected code occurred at least once.</summary>
    public void AssertReached(params ProtocolErrorCode[] expected) =>
        AssertReached([.. expected.Select(ProtocolErrors.Name)]);

    public string FormatHistogram() =>
        string.Join(", ", _histogram.OrderByDescending(pair => pair.Value).Select(pair => $"{pair.Key} {pair.Value}"));

    private string Summary(int cases) => string.Create(
        CultureInfo.InvariantCulture,
        $"{decoder}: {cases} cases in {Elapsed.TotalSeconds:F2} s ({Elapsed.TotalMicroseconds / cases:F1} us/case), seed {Seed} (PI_FUZZ_SEED). Most allocated by one decode: {MaxAllocated} bytes. Outcomes: {FormatHistogram()}");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail<T>(int index, FuzzCase<T> item, string what, Exception? cause)
    {
        var shown = item.Input switch
        {
            byte[] bytes => Fuzz.Hex(bytes),
            string text => Fuzz.Show(text),
            var other => other?.ToString() ?? "null",
        };
        var message = $"{decoder}: {what}\n  seed {Seed} (PI_FUZZ_SEED={Seed}), case {index}, mutation: {item.Description}\n  input: {shown}";
        throw cause is null ? new XunitException(message) : new XunitException(message + "\n  cause: " + cause);
    }
}
