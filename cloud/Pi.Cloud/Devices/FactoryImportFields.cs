using System.Text.Json;

namespace Pi.Cloud.Devices;

/// <summary>Which CSV column holds which field, from the header row (names in any case and order).</summary>
internal readonly record struct CsvColumns(int Mac, int Uuid, int Sn, int VerificationCode)
{
    public const string VerificationCodeName = "verification_code";

    /// <summary>Reads the header; unknown columns are ignored, a repeated or missing required one is an error.</summary>
    public static bool TryRead(FactoryCsvReader.Record header, FactoryImportCollector import, out CsvColumns columns)
    {
        int mac = -1, uuid = -1, sn = -1, code = -1;
        var valid = true;
        for (var i = 0; i < header.Fields.Count; i++)
        {
            var name = header.Fields[i].Trim().ToUpperInvariant();
            switch (name)
            {
                case "MAC":
                    Take(ref mac, i, "mac");
                    break;
                case "UUID":
                    Take(ref uuid, i, "uuid");
                    break;
                case "SN":
                    Take(ref sn, i, "sn");
                    break;
                case "VERIFICATION_CODE" or "VERIFICATIONCODE":
                    Take(ref code, i, VerificationCodeName);
                    break;
                default:
                    break;
            }
        }
        if (mac < 0)
        {
            valid = Missing("mac");
        }
        if (code < 0)
        {
            valid = Missing(VerificationCodeName);
        }
        columns = new CsvColumns(mac, uuid, sn, code);
        return valid;

        void Take(ref int column, int index, string field)
        {
            if (column >= 0)
            {
                valid = false;
                import.Add(new FactoryImportError(header.Line, null, field, "the header names this column more than once"));
            }
            column = index;
        }

        bool Missing(string field)
        {
            import.Add(new FactoryImportError(header.Line, null, field, "the header row has no such column (it needs mac and verification_code; uuid and sn are optional)"));
            return false;
        }
    }
}

/// <summary>The fields of one JSON record, as text (null when absent or null).</summary>
internal readonly record struct JsonRecord(string? Mac, string? Uuid, string? Sn, string? VerificationCode)
{
    public const string VerificationCodeName = "verificationCode";

    /// <summary>Reads one array element; false (with errors added) when it is not an object of string fields.</summary>
    public static bool TryRead(JsonElement element, Where where, FactoryImportCollector import, out JsonRecord record)
    {
        record = default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            import.Add(new FactoryImportError(where.Line, where.Index, null, "must be a JSON object"));
            return false;
        }
        string? mac = null, uuid = null, sn = null, code = null;
        bool hasMac = false, hasUuid = false, hasSn = false, hasCode = false;
        var valid = true;
        foreach (var property in element.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name.ToUpperInvariant();
            }
            catch (InvalidOperationException)
            {
                continue; // a name that is not valid Unicode is no field of ours
            }
            switch (name)
            {
                case "MAC":
                    Take(property.Value, "mac", ref hasMac, ref mac);
                    break;
                case "UUID":
                    Take(property.Value, "uuid", ref hasUuid, ref uuid);
                    break;
                case "SN":
                    Take(property.Value, "sn", ref hasSn, ref sn);
                    break;
                case "VERIFICATIONCODE" or "VERIFICATION_CODE":
                    Take(property.Value, VerificationCodeName, ref hasCode, ref code);
                    break;
                default:
                    break;
            }
        }
        record = new JsonRecord(mac, uuid, sn, code);
        return valid;

        void Take(JsonElement value, string field, ref bool seen, ref string? text)
        {
            if (seen)
            {
                valid = Fail(field, "appears more than once");
                return;
            }
            seen = true;
            switch (value.ValueKind)
            {
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.String:
                    try
                    {
                        text = value.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        valid = Fail(field, "must be valid Unicode text");
                    }
                    break;
                default:
                    valid = Fail(field, "must be a string");
                    break;
            }
        }

        bool Fail(string field, string reason)
        {
            import.Add(new FactoryImportError(where.Line, where.Index, field, reason));
            return false;
        }
    }
}
