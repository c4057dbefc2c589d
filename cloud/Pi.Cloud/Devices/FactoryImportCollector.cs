using System.Text;
using Pi.Cloud.Store;

namespace Pi.Cloud.Devices;

/// <summary>Where a record is: its CSV line or its JSON array index.</summary>
internal readonly record struct Where(int? Line, int? Index)
{
    public override string ToString() => Line is { } line ? $"line {line}" : $"record [{Index}]";
}

/// <summary>
/// Checks the fields of each record, gathers the valid ones and the errors, and stops once
/// <see cref="FactoryRecordImport.MaxReportedErrors"/> are known. Every method that returns false
/// means "stop reading".
/// </summary>
internal sealed class FactoryImportCollector(DateTimeOffset now, int maxRecords)
{
    private readonly List<FactoryRecord> _records = [];
    private readonly List<FactoryImportError> _errors = [];
    private readonly Dictionary<string, Where> _macs = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>More errors were found than are kept.</summary>
    public bool IsFull { get; private set; }

    public bool Add(FactoryImportError error)
    {
        if (_errors.Count >= FactoryRecordImport.MaxReportedErrors)
        {
            IsFull = true;
            return false;
        }
        _errors.Add(error);
        return true;
    }

    /// <summary>Counts one more record; false (with an error) past the limit.</summary>
    public bool CountRecord(Where where)
    {
        if (++_count <= maxRecords)
        {
            return true;
        }
        Add(new FactoryImportError(where.Line, where.Index, null, $"the import holds more than {maxRecords} records"));
        return false;
    }

    /// <summary>Checks one record's fields and keeps it when they are all valid.</summary>
    public bool Validate(Where where, string? macText, string? uuidText, string? snText, string? code, string codeField)
    {
        var valid = true;

        var mac = Mac(where, macText, ref valid);
        var uuid = Uuid(where, uuidText, ref valid);
        var sn = Sn(where, snText, ref valid);
        if (VerificationCodeProblem(code) is { } problem)
        {
            valid = Fail(where, codeField, problem);
        }

        if (mac is not null)
        {
            if (_macs.TryGetValue(mac, out var first))
            {
                valid = Fail(where, "mac", $"repeats the MAC of {first}");
            }
            else
            {
                _macs.Add(mac, where);
            }
        }
        if (valid)
        {
            _records.Add(new FactoryRecord(mac!, uuid, sn, code!, FactoryRecordImport.Source, now));
        }
        return !IsFull;
    }

    /// <summary>The records, or the exception that lists every error found.</summary>
    public IReadOnlyList<FactoryRecord> Finish() =>
        _errors.Count > 0 ? throw new FactoryImportException([.. _errors], IsFull) : [.. _records];

    /// <summary>What is wrong with a verification code, or null; never the code itself.</summary>
    internal static string? VerificationCodeProblem(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return "is required";
        }
        if (code.Length > FactoryRecordImport.MaxVerificationCodeLength)
        {
            return $"must be 1 to {FactoryRecordImport.MaxVerificationCodeLength} characters";
        }
        if (TextProblem(code) is { } problem)
        {
            return problem;
        }
        // " ABC123" from a CSV written "mac, code" would never match the device's binding hash.
        return char.IsWhiteSpace(code[0]) || char.IsWhiteSpace(code[^1]) ? "must not begin or end with white space" : null;
    }

    private string? Mac(Where where, string? text, ref bool valid)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            valid = Fail(where, "mac", "is required");
            return null;
        }
        if (!FactoryRecordImport.TryNormalizeMac(text, out var mac))
        {
            valid = Fail(where, "mac", "must be a MAC address written aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabbccddeeff");
            return null;
        }
        if (mac == "00:00:00:00:00:00")
        {
            valid = Fail(where, "mac", "must not be the all-zero address");
            return null;
        }
        if ((Convert.ToByte(mac[..2], 16) & 1) != 0)
        {
            valid = Fail(where, "mac", "must be a unicast address (the low bit of its first octet clear)");
            return null;
        }
        return mac;
    }

    private string? Uuid(Where where, string? text, ref bool valid)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (!FactoryRecordImport.TryNormalizeUuid(text, out var uuid))
        {
            valid = Fail(where, "uuid", "must be a UUID written xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
            return null;
        }
        if (uuid == Guid.Empty.ToString("D"))
        {
            valid = Fail(where, "uuid", "must not be the nil UUID");
            return null;
        }
        return uuid;
    }

    private string? Sn(Where where, string? text, ref bool valid)
    {
        var sn = text?.Trim();
        if (string.IsNullOrEmpty(sn))
        {
            return null;
        }
        var problem = TextProblem(sn);
        if (problem is null && (sn.Length > FactoryRecordImport.MaxSnBytes || Encoding.UTF8.GetByteCount(sn) > FactoryRecordImport.MaxSnBytes))
        {
            problem = $"must be 1 to {FactoryRecordImport.MaxSnBytes} bytes of UTF-8";
        }
        if (problem is not null)
        {
            valid = Fail(where, "sn", problem);
            return null;
        }
        return sn;
    }

    private static string? TextProblem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
            {
                return "must not contain control characters";
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "must be valid Unicode text";
            }
        }
        return null;
    }

    private bool Fail(Where where, string field, string reason)
    {
        Add(new FactoryImportError(where.Line, where.Index, field, reason));
        return false;
    }
}
