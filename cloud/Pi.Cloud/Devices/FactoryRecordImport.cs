using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Pi.Cloud.Store;

namespace Pi.Cloud.Devices;

/// <summary>The two forms a factory-record import comes in.</summary>
public enum FactoryImportFormat
{
    /// <summary>RFC 4180 CSV with a header row naming <c>mac</c>, <c>verification_code</c> and optionally <c>uuid</c>, <c>sn</c>.</summary>
    Csv = 1,

    /// <summary>A JSON array of objects with <c>mac</c>, <c>verificationCode</c> and optionally <c>uuid</c>, <c>sn</c>.</summary>
    Json = 2,
}

/// <summary>How much one import may hold.</summary>
/// <param name="MaxRecords">Most records.</param>
/// <param name="MaxBytes">Most bytes of input.</param>
public sealed record FactoryImportLimits(int MaxRecords = FactoryRecordImport.DefaultMaxRecords, int MaxBytes = FactoryRecordImport.DefaultMaxBytes)
{
    /// <summary>100,000 records in at most 16 MiB.</summary>
    public static FactoryImportLimits Default { get; } = new();

    /// <summary>Throws when a limit is negative, or too large for one in-memory buffer.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRecords);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(MaxBytes, Array.MaxLength);
    }
}

/// <summary>
/// Reads the factory's device records (MAC, UUID, serial number, verification code) from CSV or
/// JSON, all or nothing: either every record is valid and distinct, or a
/// <see cref="FactoryImportException"/> lists what is wrong, by line or index and field, without
/// quoting any value. MACs come out lower-case colon-separated, UUIDs lower-case with dashes.
/// </summary>
public static class FactoryRecordImport
{
    /// <summary>The <see cref="FactoryRecord.Source"/> of imported records.</summary>
    public const string Source = "import";

    /// <summary>Default bounds of one import.</summary>
    public const int DefaultMaxRecords = 100_000, DefaultMaxBytes = 16 * 1024 * 1024;

    /// <summary>Most errors an exception lists; parsing stops there.</summary>
    public const int MaxReportedErrors = 100;

    /// <summary>A verification code is 1 to this many characters (as the binding hash requires).</summary>
    public const int MaxVerificationCodeLength = 128;

    /// <summary>A serial number is 1 to this many UTF-8 bytes (as deviceInfo requires).</summary>
    public const int MaxSnBytes = 64;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 16 };

    /// <summary>Parses an import held in memory.</summary>
    /// <exception cref="FactoryImportException">Anything is wrong; no record is returned.</exception>
    public static IReadOnlyList<FactoryRecord> Parse(ReadOnlyMemory<byte> content, FactoryImportFormat format, TimeProvider time, FactoryImportLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        limits ??= FactoryImportLimits.Default;
        limits.Validate();
        if (content.Length > limits.MaxBytes)
        {
            throw new FactoryImportException($"the input is larger than {limits.MaxBytes} bytes");
        }
        var bytes = content.Span.StartsWith(Encoding.UTF8.Preamble) ? content[Encoding.UTF8.Preamble.Length..] : content;
        if (Utf8.IsValid(bytes.Span) is false)
        {
            throw new FactoryImportException([new FactoryImportError(LineOfFirstInvalidUtf8(bytes.Span), null, null, "the input is not valid UTF-8")]);
        }
        var import = new FactoryImportCollector(time.GetUtcNow(), limits.MaxRecords);
        switch (format)
        {
            case FactoryImportFormat.Csv:
                ReadCsv(Encoding.UTF8.GetString(bytes.Span), import);
                break;
            case FactoryImportFormat.Json:
                ReadJson(bytes, import);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "not a defined import format");
        }
        return import.Finish();
    }

    /// <summary>Reads an import from a stream, refusing it as soon as it passes <see cref="FactoryImportLimits.MaxBytes"/>.</summary>
    /// <exception cref="FactoryImportException">Anything is wrong; no record is returned.</exception>
    public static async Task<IReadOnlyList<FactoryRecord>> ReadAsync(
        Stream content,
        FactoryImportFormat format,
        TimeProvider time,
        FactoryImportLimits? limits,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(time);
        limits ??= FactoryImportLimits.Default;
        limits.Validate();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limits.MaxBytes)
                    {
                        break;
                    }
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
                    buffer = larger;
                }
                var read = await content.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length - length, limits.MaxBytes + 1 - length)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > limits.MaxBytes)
                {
                    break;
                }
            }
            return Parse(buffer.AsMemory(0, length), format, time, limits);
        }
        finally
        {
            // The buffer held verification codes.
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>The format a request's media type names (<c>text/csv</c>, <c>application/json</c>), if any.</summary>
    public static FactoryImportFormat? FormatOf(string? mediaType) => mediaType?.Split(';')[0].Trim().ToUpperInvariant() switch
    {
        "TEXT/CSV" => FactoryImportFormat.Csv,
        "APPLICATION/JSON" => FactoryImportFormat.Json,
        _ => null,
    };

    /// <summary>
    /// A MAC written <c>AA:BB:CC:DD:EE:FF</c>, <c>aa-bb-cc-dd-ee-ff</c> or <c>aabbccddeeff</c> (any case,
    /// surrounding white space ignored) as lower-case colon-separated hex.
    /// </summary>
    public static bool TryNormalizeMac(string? text, [NotNullWhen(true)] out string? mac)
    {
        mac = null;
        var value = text.AsSpan().Trim();
        Span<char> digits = stackalloc char[12];
        if (value.Length == 17)
        {
            var separator = value[2];
            if (separator is not (':' or '-'))
            {
                return false;
            }
            for (int i = 0, d = 0; i < 17; i++)
            {
                if (i % 3 == 2)
                {
                    if (value[i] != separator)
                    {
                        return false;
                    }
                }
                else
                {
                    digits[d++] = value[i];
                }
            }
        }
        else if (value.Length == 12)
        {
            value.CopyTo(digits);
        }
        else
        {
            return false;
        }
        foreach (var c in digits)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        mac = string.Create(17, digits.ToString(), static (span, hex) =>
        {
            for (int i = 0, d = 0; i < 17; i++)
            {
                span[i] = i % 3 == 2 ? ':' : char.ToLowerInvariant(hex[d++]);
            }
        });
        return true;
    }

    /// <summary>A UUID with or without dashes (any case, surrounding white space ignored) in canonical lower-case form.</summary>
    public static bool TryNormalizeUuid(string? text, [NotNullWhen(true)] out string? uuid)
    {
        var value = text.AsSpan().Trim();
        if ((value.Length == 36 && Guid.TryParseExact(value, "D", out var guid)) || (value.Length == 32 && Guid.TryParseExact(value, "N", out guid)))
        {
            uuid = guid.ToString("D");
            return true;
        }
        uuid = null;
        return false;
    }

    private static void ReadCsv(string text, FactoryImportCollector import)
    {
        var reader = new FactoryCsvReader(text);
        FactoryImportError? error;
        FactoryCsvReader.Record header;
        do
        {
            if (!reader.TryRead(out header, out error))
            {
                import.Add(error ?? new FactoryImportError(1, null, null, "a header row is required (mac, uuid, sn, verification_code)"));
                return;
            }
        }
        while (header.IsBlank);

        if (!CsvColumns.TryRead(header, import, out var columns))
        {
            return;
        }
        while (reader.TryRead(out var row, out error))
        {
            if (row.IsBlank)
            {
                continue;
            }
            if (!import.CountRecord(new Where(row.Line, null)))
            {
                return;
            }
            if (row.Fields.Count != header.Fields.Count)
            {
                if (!import.Add(new FactoryImportError(row.Line, null, null, $"has {row.Fields.Count} fields; the header has {header.Fields.Count}")))
                {
                    return;
                }
                continue;
            }
            if (!import.Validate(
                new Where(row.Line, null),
                FieldOf(row, columns.Mac),
                FieldOf(row, columns.Uuid),
                FieldOf(row, columns.Sn),
                FieldOf(row, columns.VerificationCode),
                CsvColumns.VerificationCodeName))
            {
                return;
            }
        }
        if (error is not null)
        {
            import.Add(error);
        }
    }

    private static string? FieldOf(FactoryCsvReader.Record row, int column) => column < 0 ? null : row.Fields[column];

    private static void ReadJson(ReadOnlyMemory<byte> bytes, FactoryImportCollector import)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, JsonOptions);
        }
        catch (JsonException exception)
        {
            // The exception's message may quote the text around the fault, so only its position is kept.
            var line = exception.LineNumber is { } number ? (int)Math.Min(number + 1, int.MaxValue) : (int?)null;
            import.Add(new FactoryImportError(line, null, null, "the input is not valid JSON"));
            return;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                import.Add(new FactoryImportError(null, null, null, "the input must be a JSON array of objects"));
                return;
            }
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var where = new Where(null, index++);
                if (!import.CountRecord(where))
                {
                    return;
                }
                if (!JsonRecord.TryRead(element, where, import, out var fields))
                {
                    if (import.IsFull)
                    {
                        return;
                    }
                    continue;
                }
                if (!import.Validate(where, fields.Mac, fields.Uuid, fields.Sn, fields.VerificationCode, JsonRecord.VerificationCodeName))
                {
                    return;
                }
            }
        }
    }

    private static int LineOfFirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var length = 0;
        while (length < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[length..], out _, out var consumed);
            if (status != OperationStatus.Done)
            {
                break;
            }
            length += consumed;
        }
        return bytes[..length].Count((byte)'\n') + 1;
    }
}
