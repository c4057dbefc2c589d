using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pi.Protocol;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Gateway.Core;
using Pi.Gateway.State;

namespace Pi.Gateway.Hosting;

/// <summary>
/// <c>Pi.Gateway self-test</c>: proves that this binary works on this machine before it is trusted
/// with a device (after an install, under qemu in CI, on a new board). Three checks, one line each,
/// exit 0 only when all pass:
/// <list type="bullet">
/// <item><c>crypto</c>: a P-256 key agreement between two fresh key pairs derives the same agreekey
/// on both sides (Pi.Protocol), an AES-128-GCM frame sealed under it opens, a tampered copy and a
/// replayed counter are refused.</item>
/// <item><c>config</c>: every option the service validates at start is bound from the same sources
/// (appsettings.json in the configuration directory, environment, <c>--Section:Key=value</c>) and
/// validated exactly as the host does before it runs.</item>
/// <item><c>state</c>: the data directory exists (made 0700 when missing, as the store does), a probe
/// file is written atomically (0600, fsync, rename), read back equal, and removed.</item>
/// </list>
/// Nothing printed is secret: the probe content and keys are random and never shown.
/// </summary>
public static class SelfTestCommand
{
    /// <summary>The command's name on the command line.</summary>
    public const string Verb = "self-test";

    /// <summary>Exit code when every check passed.</summary>
    public const int Passed = 0;

    /// <summary>Exit code when a check failed.</summary>
    public const int Failed = 1;

    /// <summary>Runs the checks against <paramref name="host"/> (built, not started); writes one line per check.</summary>
    public static async Task<int> RunAsync(IHost host, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteLineAsync($"version  {ProductVersion.Line("Pi.Gateway")}").ConfigureAwait(false);
        var results = new List<(string Name, string? Failure, string Detail)>
        {
            Check("crypto", Crypto),
            Check("config", () => Config(host.Services)),
        };
        results.Add(await CheckAsync("state", () => StateAsync(host.Services, cancellationToken)).ConfigureAwait(false));
        foreach (var (name, failure, detail) in results)
        {
            await output.WriteLineAsync(failure is null ? $"ok       {name}: {detail}" : $"FAIL     {name}: {failure}").ConfigureAwait(false);
        }
        var failed = results.Count(r => r.Failure is not null);
        await output.WriteLineAsync($"self-test: {results.Count - failed} passed, {failed} failed").ConfigureAwait(false);
        return failed == 0 ? Passed : Failed;
    }

    private static (string, string?, string) Check(string name, Func<string> check)
    {
        try
        {
            return (name, null, check());
        }
#pragma warning disable CA1031 // a self-test reports every failure as a line instead of crashing
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (name, Describe(ex), string.Empty);
        }
    }

    private static async Task<(string, string?, string)> CheckAsync(string name, Func<Task<string>> check)
    {
        try
        {
            return (name, null, await check().ConfigureAwait(false));
        }
#pragma warning disable CA1031 // a self-test reports every failure as a line instead of crashing
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (name, Describe(ex), string.Empty);
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        OptionsValidationException o => string.Join("; ", o.Failures),
        AggregateException a => string.Join("; ", a.Flatten().InnerExceptions.Select(Describe)),
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    /// <summary>Key agreement, seal, open, tamper and replay refusal.</summary>
    public static string Crypto()
    {
        using var app = EphemeralKeyPair.Generate();
        using var gateway = EphemeralKeyPair.Generate();
        var secret = ProvisioningSecret.FromSetupCode(SetupCode.Generate());
        var appKey = KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, secret);
        var gatewayKey = KeyDerivation.DeriveAgreeKey(gateway, ProvisioningRole.Gateway, app.PublicKey, secret);
        if (!appKey.Equals(gatewayKey))
        {
            throw new CryptographicException("the two sides of the key agreement derived different agreekeys");
        }

        const int header = 12; // 4 bytes of header, then the 8-byte counter: all authenticated
        var plaintext = RandomNumberGenerator.GetBytes(64);
        var frame = new byte[header + plaintext.Length + AeadSealer.TagSize];
        "self"u8.CopyTo(frame);
        ulong counter;
        using (var sealer = new AeadSealer(appKey, noncePrefix: 0x5E1F7E57))
        {
            counter = sealer.Seal(frame, counterOffset: 4, aadLength: header, plaintext);
        }
        using var opener = new AeadOpener(gatewayKey, noncePrefix: 0x5E1F7E57, ReplayMode.Stream);
        var tampered = (byte[])frame.Clone();
        tampered[header] ^= 0x01;
        Expect(ProtocolErrorCode.AuthenticationFailed, () => Open(opener, tampered, counter, plaintext.Length));
        var opened = Open(opener, frame, counter, plaintext.Length);
        if (!CryptographicOperations.FixedTimeEquals(opened, plaintext))
        {
            throw new CryptographicException("the opened frame differs from what was sealed");
        }
        Expect(ProtocolErrorCode.Replayed, () => Open(opener, frame, counter, plaintext.Length));
        return "P-256 key agreement (both sides agree), AES-128-GCM seal/open round trip, tampered frame and replay refused";
    }

    private static byte[] Open(AeadOpener opener, byte[] frame, ulong counter, int length)
    {
        var plaintext = new byte[length];
        opener.Open(frame.AsSpan(0, 12), counter, frame.AsSpan(12, length), frame.AsSpan(12 + length, AeadSealer.TagSize), plaintext);
        return plaintext;
    }

    private static void Expect(ProtocolErrorCode code, Action action)
    {
        try
        {
            action();
        }
        catch (ProtocolException ex) when (ex.Code == code)
        {
            return;
        }
        throw new CryptographicException($"expected the protocol to refuse with {code}, it did not");
    }

    /// <summary>Every option validated at start, validated now; the state machine's options too.</summary>
    internal static string Config(IServiceProvider services)
    {
        services.GetService<IStartupValidator>()?.Validate();
        _ = services.GetRequiredService<GatewayStateMachineOptions>();
        var configuration = GatewayApp.ConfigurationDirectory(Environment.GetEnvironmentVariable("CONFIGURATION_DIRECTORY"), AppContext.BaseDirectory);
        var file = configuration is null ? null : Path.Combine(configuration, "appsettings.json");
        return file is not null && File.Exists(file)
            ? $"options valid (from {file}, the environment and the command line)"
            : "options valid (no appsettings.json: defaults, the environment and the command line)";
    }

    /// <summary>Data directory writable: an atomic write read back, then removed.</summary>
    internal static async Task<string> StateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<StateOptions>>().Value;
        var directory = options.DataDirectory;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        var probe = Path.Combine(directory, $"self-test-{Environment.ProcessId}.probe");
        var content = Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        try
        {
            await services.GetRequiredService<AtomicFile>().WriteAsync(probe, content, cancellationToken).ConfigureAwait(false);
            var back = await File.ReadAllBytesAsync(probe, cancellationToken).ConfigureAwait(false);
            if (!back.AsSpan().SequenceEqual(content))
            {
                throw new IOException($"{probe} read back differs from what was written");
            }
            if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(probe) != AtomicFile.PrivateFileMode)
            {
                throw new IOException($"{probe} was written with mode {File.GetUnixFileMode(probe)}, not 0600");
            }
        }
        finally
        {
            File.Delete(probe);
        }
        return $"{directory} writable (atomic write 0600, read back, removed)";
    }
}
