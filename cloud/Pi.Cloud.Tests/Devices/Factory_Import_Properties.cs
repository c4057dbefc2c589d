using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Pi.Cloud.Devices;
using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Devices;

/// <summary>A property that replays the same inputs in every run (FsCheck prints the seed on a failure).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class FactoryPropertyAttribute : PropertyAttribute
{
    public FactoryPropertyAttribute()
    {
        Replay = "(20311705,2654435769)";
        QuietOnSuccess = true;
    }
}

public sealed class Factory_Import_Properties
{
    private static readonly string[] CsvTokens =
    [
        "mac", "uuid", "sn", "verification_code", "verificationCode", "MAC", ",", ",", ",", "\"", "\"\"", "\r\n", "\n", "\r",
        "00:11:22:33:44:56", "AA-BB-CC-DD-EE-F0", "aabbccddeef2", "ff:ff:ff:ff:ff:ff", "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "x", "code", " ", "\t", "\u0000", "é", "😀", "\uFEFF", "\u0085",
    ];

    private static readonly string[] JsonTokens =
    [
        "[", "]", "{", "}", ",", ":", "\"mac\"", "\"verificationCode\"", "\"uuid\"", "\"sn\"", "\"00:11:22:33:44:56\"",
        "\"aabbccddeef2\"", "\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"", "null", "1", "true", "\"\\ud800\"", "\"x\"", "\"\"", " ", "\"", "\\",
    ];

    // Text elements, not chars: a surrogate pair must stay whole.
    private static readonly string[] CodeAlphabet = ["a", "b", "c", "X", "Y", "Z", "0", "1", "9", " ", ",", "\"", "'", "-", "_", ";", "é", "密", "😀", "\\"];

    private static Gen<string> Soup(string[] tokens) =>
        Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(Gen.Elements(tokens), n)).Select(string.Concat);

    private static Gen<byte[]> Garbage { get; } = Gen.Frequency(
        (2, ArbMap.Default.GeneratorFor<byte[]>()),
        (3, Soup(CsvTokens).Select(text => Encoding.UTF8.GetBytes("mac,verification_code\n" + text))),
        (2, Soup(CsvTokens).Select(Encoding.UTF8.GetBytes)),
        (3, Soup(JsonTokens).Select(text => Encoding.UTF8.GetBytes("[" + text))),
        (1, Soup(JsonTokens).Select(Encoding.UTF8.GetBytes)));

    /// <summary>A device: a unicast non-zero MAC, maybe a UUID and a serial number, and a code of 1 to 128 characters.</summary>
    private static Gen<FactoryRecord> Device { get; } =
        from octets in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 6)
        from uuid in ArbMap.Default.GeneratorFor<Guid>().Where(g => g != Guid.Empty).Select(g => g.ToString("D")).OrNull()
        from sn in Gen.Choose(1, 20).SelectMany(n => Gen.ArrayOf(Gen.Elements("ABC123-_".ToCharArray()), n)).Select(c => new string(c)).OrNull()
        from code in Code
        let mac = string.Join(':', octets.Select((b, i) => (i == 0 ? (byte)((b & 0xFE) | 0x02) : b).ToString("x2", CultureInfo.InvariantCulture)))
        select new FactoryRecord(mac, uuid, sn, code, "import", FactoryImportSamples.Now);

    private static Gen<string> Code { get; } =
        from length in Gen.Choose(1, 60)
        from elements in Gen.ArrayOf(Gen.Elements(CodeAlphabet), length)
        select "k" + string.Concat(elements) + "k";

    private static Gen<FactoryRecord[]> Devices { get; } =
        Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Device, n)).Select(devices => devices.DistinctBy(d => d.Mac).ToArray());

    [FactoryProperty(MaxTest = 1000)]
    public Property Garbage_never_throws_anything_but_the_typed_error() =>
        Prop.ForAll(Garbage.ToArbitrary(), bytes =>
        {
            foreach (var format in new[] { FactoryImportFormat.Csv, FactoryImportFormat.Json })
            {
                try
                {
                    var records = FactoryRecordImport.Parse(bytes, format, FactoryImportSamples.Clock());
                    Assert.All(records, record => Assert.True(FactoryRecordImport.TryNormalizeMac(record.Mac, out var mac) && mac == record.Mac));
                }
                catch (FactoryImportException exception)
                {
                    Assert.InRange(exception.Errors.Count, 1, FactoryRecordImport.MaxReportedErrors);
                }
            }
        });

    [FactoryProperty(MaxTest = 300)]
    public Property Valid_records_come_back_from_csv_in_any_column_order_mac_form_and_line_ending() =>
        Prop.ForAll(
            (from devices in Devices
             from header in Gen.Shuffle(new[] { "mac", "uuid", "sn", "verification_code", "extra" })
             from forms in Gen.ArrayOf(Gen.Choose(0, 3), 12)
             from newline in Gen.Elements("\r\n", "\n")
             select (devices, header, forms, newline)).ToArbitrary(),
            sample =>
            {
                var rows = sample.devices.Select((d, i) => Row(d, MacForm(d.Mac, sample.forms[i])));
                var text = FactoryImportSamples.WriteCsv(sample.header, rows, sample.newline);

                Assert.Equal(sample.devices, FactoryImportSamples.Csv(text));
            });

    [FactoryProperty(MaxTest = 300)]
    public Property Valid_records_come_back_from_json() =>
        Prop.ForAll(
            (from devices in Devices
             from forms in Gen.ArrayOf(Gen.Choose(0, 3), 12)
             select (devices, forms)).ToArbitrary(),
            sample =>
            {
                var json = FactoryImportSamples.WriteJson(sample.devices.Select((d, i) => Row(d, MacForm(d.Mac, sample.forms[i]))));

                Assert.Equal(sample.devices, FactoryImportSamples.Json(json));
            });

    [FactoryProperty(MaxTest = 500)]
    public Property Errors_never_quote_a_verification_code() =>
        Prop.ForAll(
            (from devices in Devices.Where(d => d.Length > 0)
             from fault in Gen.Choose(0, 6)
             from victim in Gen.Choose(0, 100)
             from json in ArbMap.Default.GeneratorFor<bool>()
             select (devices, fault, victim, json)).ToArbitrary(),
            sample =>
            {
                var rows = sample.devices.Select(d => Row(d, d.Mac)).ToList();
                var victim = rows[sample.victim % rows.Count];
                var code = victim["verification_code"]!;
                switch (sample.fault)
                {
                    case 0: victim["mac"] = "not a mac"; break;
                    case 1: victim["verification_code"] = code + "\u0001" + code; break;
                    case 2: victim["verification_code"] = string.Concat(Enumerable.Repeat(code, 1 + 128 / code.Length)); break;
                    case 3: victim["verification_code"] = " " + code; break;
                    case 4: rows.Add(new Dictionary<string, string?>(victim)); break;
                    case 5: victim["uuid"] = code; break;
                    default: victim["sn"] = code + new string('s', 64); break;
                }
                var text = sample.json
                    ? FactoryImportSamples.WriteJson(rows)
                    : FactoryImportSamples.WriteCsv(["mac", "uuid", "sn", "verification_code"], rows);
                if (sample.fault == 6 && sample.victim % 2 == 0)
                {
                    // A syntax error right after the code: the parser must not quote the text around it.
                    var escaped = FactoryImportSamples.JsonEscape(code);
                    text = sample.json ? text[..(text.IndexOf(escaped, StringComparison.Ordinal) + escaped.Length)] + "}" : text[..text.LastIndexOf('"')];
                }

                var exception = Assert.Throws<FactoryImportException>(() => sample.json ? FactoryImportSamples.Json(text) : FactoryImportSamples.Csv(text));

                var everything = exception.ToString() + string.Concat(exception.Errors.Select(e => e.ToString()));
                foreach (var device in sample.devices)
                {
                    Assert.DoesNotContain(device.VerificationCode, everything, StringComparison.Ordinal);
                }
            });

    private static Dictionary<string, string?> Row(FactoryRecord device, string mac) => new()
    {
        ["mac"] = mac,
        ["uuid"] = device.Uuid,
        ["sn"] = device.Sn,
        ["verification_code"] = device.VerificationCode,
    };

    private static string MacForm(string mac, int form) => form switch
    {
        0 => mac,
        1 => mac.ToUpperInvariant(),
        2 => mac.Replace(':', '-'),
        _ => mac.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant(),
    };
}
