using System.CommandLine;
using Pi.App.Io;
using Pi.App.Suites;

namespace Pi.App.Commands;

/// <summary>
/// <c>pi-app decode --suite v2|frame|seed-cbc --key K DATA</c>: print the header fields of sealed
/// bytes, open them and print the plaintext.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create(CliContext io)
    {
        var suite = CommonOptions.Suite();
        var key = CommonOptions.Key();
        var setupCode = CommonOptions.SetupCode();
        var openMode = CommonOptions.OpenMode();
        var transport = CommonOptions.Transport("frame: datagram or stream (default: detected; a stream frame starts with a 4-byte length)");
        var input = CommonOptions.In("auto");
        var output = CommonOptions.Out("how to print the plaintext: auto (text when it reads as text, else hex), hex, base64 or text");
        var data = new Argument<string>("data")
        {
            Description = "the sealed bytes: hex or Base64, @path to read a file, - to read standard input",
        };

        var command = new Command("decode", "Open sealed bytes (an envelope, a provisioning frame or seed-cbc text) and print the header and the plaintext")
        {
            suite, key, setupCode, openMode, transport, input, output, data,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var suiteName = parse.GetRequiredValue(suite);
            var outputEncoding = OutputFormatter.ParseEncoding(parse.GetValue(output));
            var bytes = await InputReader.ReadBytesAsync(parse.GetRequiredValue(data), InputReader.ParseEncoding(parse.GetValue(input)), io, cancellationToken).ConfigureAwait(false);
            switch (suiteName)
            {
                case EnvelopeSuite.Name:
                    CommonOptions.RejectUnused(parse, suiteName, setupCode, openMode, transport);
                    var envelopeKey = await CommonOptions.ReadSymmetricKeyAsync(parse.GetValue(key), suiteName, io, cancellationToken).ConfigureAwait(false);
                    EnvelopeSuite.Decode(bytes, envelopeKey, outputEncoding, io);
                    break;
                case FrameDecodeSuite.Name:
                    var keys = await CommonOptions.ReadFrameKeysAsync(parse.GetValue(key), parse.GetValue(setupCode), parse.GetValue(openMode), io, cancellationToken).ConfigureAwait(false);
                    FrameDecodeSuite.Decode(bytes, CommonOptions.ParseTransport(parse.GetValue(transport)), keys, outputEncoding, io);
                    break;
                default:
                    CommonOptions.RejectUnused(parse, suiteName, setupCode, openMode, transport);
                    var seedKey = await CommonOptions.ReadSeedKeyAsync(parse.GetValue(key), io, cancellationToken).ConfigureAwait(false);
                    SeedCbcSuite.Decode(bytes, seedKey, outputEncoding, io);
                    break;
            }
            return Cli.Success;
        });
        return command;
    }
}
