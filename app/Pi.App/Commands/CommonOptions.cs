using System.CommandLine;
using Pi.App.Io;
using Pi.App.Suites;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;

namespace Pi.App.Commands;

/// <summary>Options that decode and encode share, and the helpers that read their values.</summary>
internal static class CommonOptions
{
    public static readonly string[] SuiteNames = [EnvelopeSuite.Name, FrameDecodeSuite.Name, SeedCbcSuite.Name];

    public static Option<string> Suite() => new Option<string>("--suite", "-s")
    {
        Description = "v2 (session envelope), frame (provisioning frame) or seed-cbc (the seed's insecure AES-CBC)",
        Required = true,
    }.AcceptOnlyFromAmong(SuiteNames);

    public static Option<string> Key() => new("--key", "-k")
    {
        Description = "v2 and frame: a 128-bit key as 32 hex digits or Base64; seed-cbc: the 32-character key string. @path reads it from a file",
    };

    public static Option<string> SetupCode() => new("--setup-code")
    {
        Description = "frame, searchDevice only: derive the searchkey from the frame's public key and this setup code (instead of --key)",
    };

    public static Option<bool> OpenMode() => new("--open-mode")
    {
        Description = "frame: the seed's open mode (no setup code); instead of --key it derives a searchDevice frame's searchkey",
    };

    public static Option<string> Transport(string description) => new Option<string>("--transport")
    {
        Description = description,
    }.AcceptOnlyFromAmong("datagram", "stream");

    public static Option<string> In(string defaultName) => new Option<string>("--in")
    {
        Description = $"how to read the input: auto (hex if all hex digits, else Base64), hex, base64, text or raw (a file's bytes); default {defaultName}",
        DefaultValueFactory = _ => defaultName,
    }.AcceptOnlyFromAmong(InputReader.EncodingNames);

    public static Option<string> Out(string description) => new Option<string>("--out", "-o")
    {
        Description = description,
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong(OutputFormatter.EncodingNames);

    /// <summary>Reads a 128-bit key (literal or @path). Parse errors never repeat the key.</summary>
    public static async Task<SymmetricKey> ReadSymmetricKeyAsync(string? value, string suite, CliContext io, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            throw new UsageException($"--suite {suite} needs --key");
        }
        var text = await InputReader.ReadTextAsync(value, "key", io, cancellationToken).ConfigureAwait(false);
        return SymmetricKey.Parse(text);
    }

    /// <summary>Reads a seed-cbc key string (literal or @path).</summary>
    public static async Task<string> ReadSeedKeyAsync(string? value, CliContext io, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            throw new UsageException("--suite seed-cbc needs --key (the 32-character key string)");
        }
        return await InputReader.ReadTextAsync(value, "key", io, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the key source of a frame: --key, or --setup-code / --open-mode for a searchkey.</summary>
    public static async Task<FrameKeySource> ReadFrameKeysAsync(string? key, string? setupCode, bool openMode, CliContext io, CancellationToken cancellationToken)
    {
        if (key is not null)
        {
            if (setupCode is not null)
            {
                throw new UsageException("give either --key or --setup-code, not both");
            }
            return new FrameKeySource(await ReadSymmetricKeyAsync(key, FrameDecodeSuite.Name, io, cancellationToken).ConfigureAwait(false), null, openMode);
        }
        if (setupCode is not null)
        {
            if (openMode)
            {
                throw new UsageException("give either --setup-code or --open-mode, not both");
            }
            var text = await InputReader.ReadTextAsync(setupCode, "setup code", io, cancellationToken).ConfigureAwait(false);
            return new FrameKeySource(null, Protocol.Crypto.SetupCode.Parse(text), false);
        }
        if (openMode)
        {
            return new FrameKeySource(null, null, true);
        }
        throw new UsageException("--suite frame needs --key (or, for a searchDevice frame, --setup-code or --open-mode)");
    }

    public static ProvisioningTransport? ParseTransport(string? name) => name switch
    {
        null => null,
        "datagram" => ProvisioningTransport.Datagram,
        "stream" => ProvisioningTransport.Stream,
        _ => throw new UsageException($"unknown transport '{name}' (use datagram or stream)"),
    };

    /// <summary>Rejects options that the chosen suite does not read, so a typo is not silently ignored.</summary>
    public static void RejectUnused(ParseResult parse, string suite, params Option[] options)
    {
        foreach (var option in options)
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                throw new UsageException($"{option.Name} does not apply to --suite {suite}");
            }
        }
    }
}
