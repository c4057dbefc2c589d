using System.CommandLine;
using Pi.App.Io;
using Pi.App.Suites;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.App.Commands;

/// <summary>
/// <c>pi-app encode --suite v2|frame|seed-cbc --key K ... PLAINTEXT</c>: seal a plaintext and print
/// the sealed form (Base64 unless <c>--out hex</c>).
/// </summary>
internal static class EncodeCommand
{
    public static Command Create(CliContext io)
    {
        var suite = CommonOptions.Suite();
        var key = CommonOptions.Key();
        var keyId = new Option<uint>("--key-id") { Description = "v2: the key id written into the header (the sessionkey's id, the link's id, or the accesskey's id for a login)" };
        var direction = new Option<string>("--direction", "-d")
        {
            Description = $"v2: who sends to whom: {string.Join(", ", WireText.EnvelopeDirectionNames)}",
            HelpName = "direction",
        }.AcceptOnlyFromAmong(WireText.EnvelopeDirectionNames);
        var tid = new Option<string>("--tid") { Description = "v2: the gateway account named in the header" };
        var did = new Option<string>("--did") { Description = "v2: the sub-device account named in the header" };
        var counter = new Option<ulong>("--counter") { Description = "v2 and frame: the counter (sequence) to seal with; default 0. Never reuse one with a real key" };
        var type = new Option<string>("--type", "-t")
        {
            Description = $"frame: the frame type: {string.Join(", ", WireText.FrameTypeNames)}",
            HelpName = "type",
        }.AcceptOnlyFromAmong(WireText.FrameTypeNames);
        var sender = new Option<string>("--sender") { Description = "frame: app or gateway (default: the side that sends this type)" }.AcceptOnlyFromAmong("app", "gateway");
        var transport = CommonOptions.Transport("frame: datagram (UDP) or stream (TCP, with the 4-byte length prefix); default: where this type travels");
        var publicKey = new Option<string>("--public-key") { Description = "frame: the payload region, a 65-byte public key in hex" };
        var setupCode = CommonOptions.SetupCode();
        var openMode = CommonOptions.OpenMode();
        var raw = new Option<bool>("--raw") { Description = "frame: seal the plaintext as given, without checking it against the type or the sender's rules" };
        var input = CommonOptions.In("text");
        var output = CommonOptions.Out("how to print the sealed bytes: base64 (auto) or hex");
        var plaintext = new Argument<string>("plaintext")
        {
            Description = "the plaintext: text (JSON for v2 and frame), @path to read a file, - to read standard input",
        };

        var command = new Command("encode", "Seal a plaintext as an envelope, a provisioning frame or seed-cbc text and print the sealed bytes")
        {
            suite, key, keyId, direction, tid, did, counter, type, sender, transport, publicKey, setupCode, openMode, raw, input, output, plaintext,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var suiteName = parse.GetRequiredValue(suite);
            var outputEncoding = OutputFormatter.ParseEncoding(parse.GetValue(output));
            var bytes = await InputReader.ReadBytesAsync(parse.GetRequiredValue(plaintext), InputReader.ParseEncoding(parse.GetValue(input)), io, cancellationToken).ConfigureAwait(false);
            string sealedText;
            switch (suiteName)
            {
                case EnvelopeSuite.Name:
                    CommonOptions.RejectUnused(parse, suiteName, type, sender, transport, publicKey, setupCode, openMode, raw);
                    var envelopeKey = await CommonOptions.ReadSymmetricKeyAsync(parse.GetValue(key), suiteName, io, cancellationToken).ConfigureAwait(false);
                    var directionName = parse.GetValue(direction) ?? throw new UsageException("--suite v2 needs --direction");
                    if (parse.GetResult(keyId) is null)
                    {
                        throw new UsageException("--suite v2 needs --key-id");
                    }
                    sealedText = EnvelopeSuite.Encode(bytes, envelopeKey, parse.GetValue(keyId), WireText.ParseEnvelopeDirection(directionName), parse.GetValue(tid), parse.GetValue(did), parse.GetValue(counter), outputEncoding, io);
                    break;
                case FrameDecodeSuite.Name:
                    CommonOptions.RejectUnused(parse, suiteName, keyId, direction, tid, did);
                    var typeName = parse.GetValue(type) ?? throw new UsageException("--suite frame needs --type");
                    var keys = await CommonOptions.ReadFrameKeysAsync(parse.GetValue(key), parse.GetValue(setupCode), parse.GetValue(openMode), io, cancellationToken).ConfigureAwait(false);
                    var request = new FrameEncodeRequest(
                        WireText.ParseFrameType(typeName),
                        parse.GetValue(sender) switch { null => null, "app" => ProvisioningRole.App, _ => ProvisioningRole.Gateway },
                        CommonOptions.ParseTransport(parse.GetValue(transport)),
                        keys,
                        ParsePublicKey(parse.GetValue(publicKey)),
                        parse.GetValue(counter),
                        parse.GetValue(raw),
                        outputEncoding);
                    sealedText = FrameEncodeSuite.Encode(bytes, request, io);
                    break;
                default:
                    CommonOptions.RejectUnused(parse, suiteName, keyId, direction, tid, did, counter, type, sender, transport, publicKey, setupCode, openMode, raw);
                    var seedKey = await CommonOptions.ReadSeedKeyAsync(parse.GetValue(key), io, cancellationToken).ConfigureAwait(false);
                    sealedText = SeedCbcSuite.Encode(bytes, seedKey, outputEncoding);
                    break;
            }
            await io.Out.WriteLineAsync(sealedText.AsMemory(), cancellationToken).ConfigureAwait(false);
            return Cli.Success;
        });
        return command;
    }

    private static byte[]? ParsePublicKey(string? hex)
    {
        if (hex is null)
        {
            return null;
        }
        try
        {
            return Convert.FromHexString(hex.Trim());
        }
        catch (FormatException ex)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidEncoding, "--public-key is not hex", ex);
        }
    }
}
