using System.Text;
using QRCoder;
using Pi.Protocol.Labels;

namespace Pi.Gateway.Qr;

/// <summary>
/// Draws a payload as a QR code: as text for a terminal (Unicode half blocks, two module rows per
/// line) and as a PNG (QRCoder's own 1-bit PNG writer: no System.Drawing). Error correction level Q
/// (25%): a label gets scratched. A 4-module quiet zone all round, as the standard asks.
/// </summary>
public static class QrLabel
{
    /// <summary>Pixels per module of the PNG (a version 4 code is then 410 pixels square).</summary>
    public const int DefaultPixelsPerModule = 10;

    /// <summary>The quiet zone, in modules.</summary>
    public const int QuietZone = 4;

    private const char Full = '\u2588', Upper = '\u2580', Lower = '\u2584', Empty = ' ';

    /// <summary>The modules, quiet zone included: [row, column], true for dark.</summary>
    /// <exception cref="ArgumentException">The text is too long for a QR code.</exception>
    public static bool[,] Modules(string text)
    {
        using var data = Encode(text);
        var matrix = data.ModuleMatrix;
        var size = matrix.Count;
        var modules = new bool[size, size];
        for (var row = 0; row < size; row++)
        {
            for (var column = 0; column < size; column++)
            {
                modules[row, column] = matrix[row][column];
            }
        }
        return modules;
    }

    /// <summary>
    /// The code as lines of half blocks (ending in '\n'). By default the blocks draw the light
    /// modules, which reads right on a terminal with a dark background; <paramref name="invert"/>
    /// draws the dark ones instead, for a light background.
    /// </summary>
    public static string RenderTerminal(string text, bool invert = false)
    {
        var modules = Modules(text);
        var size = modules.GetLength(0);
        bool Ink(int row, int column) => row < size && modules[row, column] == invert;

        var output = new StringBuilder((size + 1) * ((size + 1) / 2));
        for (var row = 0; row < size; row += 2)
        {
            for (var column = 0; column < size; column++)
            {
                // Past the last row is quiet zone: light, so ink only when drawing light modules.
                var upper = Ink(row, column);
                var lower = row + 1 < size ? Ink(row + 1, column) : !invert;
                output.Append((upper, lower) switch
                {
                    (true, true) => Full,
                    (true, false) => Upper,
                    (false, true) => Lower,
                    _ => Empty,
                });
            }
            output.Append('\n');
        }
        return output.ToString();
    }

    /// <summary>The code as a PNG (1-bit grayscale, black on white).</summary>
    public static byte[] RenderPng(string text, int pixelsPerModule = DefaultPixelsPerModule)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pixelsPerModule, 100);
        using var data = Encode(text);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule, drawQuietZones: true);
    }

    private static QRCodeData Encode(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        if (text.Length > QrPayload.MaxLength * 2)
        {
            throw new ArgumentException("the text is too long for a label", nameof(text));
        }
        // ASCII payloads (the usual) stay in byte mode without an ECI header, which every scanner reads.
        return QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.Q, forceUtf8: !Ascii.IsValid(text));
    }
}
