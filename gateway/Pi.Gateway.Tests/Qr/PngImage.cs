using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Pi.Gateway.Tests.Qr;

/// <summary>
/// Just enough of a PNG reader to check a label: signature, chunk CRCs, IHDR, the zlib stream and
/// the five row filters, for 1-bit grayscale images. Written from the PNG specification.
/// </summary>
internal sealed class PngImage
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] CrcTable = BuildCrcTable();

    private readonly byte[][] _rows;

    private PngImage(int width, int height, byte bitDepth, byte colorType, byte[][] rows, IReadOnlyList<string> chunks)
    {
        Width = width;
        Height = height;
        BitDepth = bitDepth;
        ColorType = colorType;
        _rows = rows;
        Chunks = chunks;
    }

    public int Width { get; }

    public int Height { get; }

    public byte BitDepth { get; }

    public byte ColorType { get; }

    public IReadOnlyList<string> Chunks { get; }

    /// <summary>True where the pixel is black (0 in 1-bit grayscale).</summary>
    public bool IsDark(int x, int y) => (_rows[y][x / 8] & (0x80 >> (x % 8))) == 0;

    public static PngImage Decode(byte[] png)
    {
        if (!png.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw new InvalidDataException("no PNG signature");
        }
        var chunks = new List<string>();
        var idat = new MemoryStream();
        int width = 0, height = 0;
        byte bitDepth = 0, colorType = 0;
        var at = 8;
        while (at < png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            if (crc != Crc(png.AsSpan(at + 4, length + 4)))
            {
                throw new InvalidDataException($"chunk {type} has a bad CRC");
            }
            chunks.Add(type);
            switch (type)
            {
                case "IHDR":
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    bitDepth = data[8];
                    colorType = data[9];
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }
            at += 12 + length;
            if (type == "IEND")
            {
                break;
            }
        }
        if (chunks.Count == 0 || chunks[0] != "IHDR" || chunks[^1] != "IEND" || at != png.Length)
        {
            throw new InvalidDataException("chunks out of order");
        }
        var stride = ((width * bitDepth) + 7) / 8;
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var bytes = raw.ToArray();
        if (bytes.Length != height * (stride + 1))
        {
            throw new InvalidDataException("image data has the wrong size");
        }
        var rows = new byte[height][];
        var previous = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var filter = bytes[y * (stride + 1)];
            var row = bytes.AsSpan((y * (stride + 1)) + 1, stride).ToArray();
            for (var i = 0; i < stride; i++)
            {
                int left = i > 0 ? row[i - 1] : 0, up = previous[i], upLeft = i > 0 ? previous[i - 1] : 0;
                row[i] = (byte)(row[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"unknown filter {filter}"),
                });
            }
            rows[y] = row;
            previous = row;
        }
        return new PngImage(width, height, bitDepth, colorType, rows, chunks);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static uint Crc(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
