using System.Buffers.Binary;
using Pi.Protocol.Errors;
using static Pi.Protocol.Errors.ProtocolErrorCode;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// Reference models of the binary formats, written from the layouts in docs/protocol.md (as
/// repeated in the doc comments of ProvisioningFrame and SessionEnvelope), independently of the
/// decoders. Each returns the set of error codes that name a real defect of the input: empty for
/// a valid input. A decoder passes when it accepts exactly the valid inputs and, for the others,
/// throws one of the codes in the set (the order of checks is the decoder's choice).
/// </summary>
internal static class WireModels
{
    /// <summary>Violations of a provisioning frame (magic "PG", version 2, header of 18 bytes).</summary>
    public static HashSet<ProtocolErrorCode> Frame(ReadOnlySpan<byte> b, int maxFrameSize)
    {
        var found = new HashSet<ProtocolErrorCode>();
        if (b.Length > maxFrameSize)
        {
            found.Add(FrameTooLarge);
        }
        if (b.Length < 18 + 16)
        {
            found.Add(Truncated);
            // The header may still be partly readable; a decoder that checks it first may say so.
            AddPrefixViolations(b, found);
            return found;
        }
        AddPrefixViolations(b, found);
        var payload = (b[14] << 8) | b[15];
        var data = (b[16] << 8) | b[17];
        if (payload is not (0 or 65))
        {
            found.Add(LengthMismatch);
        }
        if (data < 16)
        {
            found.Add(LengthMismatch);
        }
        var announced = 18 + payload + data;
        if (announced > b.Length)
        {
            found.Add(Truncated);
        }
        else if (announced < b.Length)
        {
            found.Add(LengthMismatch);
        }
        if (payload == 65 && b[18] != 0x04)
        {
            found.Add(InvalidPublicKey);
        }
        return found;
    }

    private static void AddPrefixViolations(ReadOnlySpan<byte> b, HashSet<ProtocolErrorCode> found)
    {
        if (b.Length >= 2 && (b[0] != 0x50 || b[1] != 0x47))
        {
            found.Add(BadMagic);
        }
        if (b.Length >= 3 && b[2] != 2)
        {
            found.Add(UnsupportedVersion);
        }
        if (b.Length >= 4 && b[3] is 0 or > 11)
        {
            found.Add(UnknownFrameType);
        }
        if (b.Length >= 5 && (b[4] & 0xFE) != 0)
        {
            found.Add(ReservedFlags);
        }
        if (b.Length >= 6 && b[5] is not (1 or 2))
        {
            found.Add(UnexpectedFrame);
        }
    }

    /// <summary>The parsed fields of a session envelope header, per the model.</summary>
    public sealed record EnvelopeFields(byte Direction, uint KeyId, ulong Counter, string? Tid, string? Did, int HeaderLength);

    /// <summary>Violations of a session envelope (magic "PE", version 2); <paramref name="fields"/> is set when valid.</summary>
    public static HashSet<ProtocolErrorCode> Envelope(ReadOnlySpan<byte> b, int maxSize, out EnvelopeFields? fields)
    {
        fields = null;
        var found = new HashSet<ProtocolErrorCode>();
        if (b.Length > maxSize)
        {
            found.Add(FrameTooLarge);
        }
        if (b.Length >= 2 && (b[0] != 0x50 || b[1] != 0x45))
        {
            found.Add(BadMagic);
        }
        if (b.Length >= 3 && b[2] != 2)
        {
            found.Add(UnsupportedVersion);
        }
        if (b.Length >= 4 && b[3] is < 3 or > 6)
        {
            found.Add(WrongDirection);
        }
        if (b.Length >= 5 && b[4] != 0)
        {
            found.Add(ReservedFlags);
        }
        if (b.Length < 17 + 2 + 16)
        {
            found.Add(Truncated);
            return found;
        }
        var offset = 17;
        string? tid = null, did = null;
        if (!ReadId(b, ref offset, found, ref tid) || !ReadId(b, ref offset, found, ref did))
        {
            return found;
        }
        if (tid is null && did is null)
        {
            found.Add(InvalidId);
        }
        if (b.Length - offset < 16)
        {
            found.Add(Truncated);
        }
        if (found.Count == 0)
        {
            fields = new EnvelopeFields(b[3], BinaryPrimitives.ReadUInt32BigEndian(b[5..]), BinaryPrimitives.ReadUInt64BigEndian(b[9..]), tid, did, offset);
        }
        return found;
    }

    private static bool ReadId(ReadOnlySpan<byte> b, ref int offset, HashSet<ProtocolErrorCode> found, ref string? id)
    {
        if (offset >= b.Length)
        {
            found.Add(Truncated);
            return false;
        }
        var length = b[offset++];
        if (length == 0)
        {
            return true;
        }
        if (length > 64)
        {
            found.Add(InvalidId);
        }
        if (b.Length - offset < length)
        {
            found.Add(Truncated);
        }
        if (length > 64 || b.Length - offset < length)
        {
            return false;
        }
        foreach (var c in b.Slice(offset, length))
        {
            if (!(c is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'_' or (byte)'-'))
            {
                found.Add(InvalidId);
                return false;
            }
        }
        id = System.Text.Encoding.ASCII.GetString(b.Slice(offset, length));
        offset += length;
        return true;
    }

    /// <summary>Renders a violation set for messages.</summary>
    public static string Names(IEnumerable<ProtocolErrorCode> codes) =>
        "{" + string.Join(", ", codes.Select(ProtocolErrors.Name)) + "}";
}
