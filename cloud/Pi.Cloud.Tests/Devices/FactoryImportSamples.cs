using System.Text;
using Microsoft.Extensions.Time.Testing;
using Pi.Cloud.Devices;
using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Devices;

/// <summary>Shared helpers: a fixed clock, parse shortcuts, and writers that produce valid CSV and JSON.</summary>
internal static class FactoryImportSamples
{
    public static readonly DateTimeOffset Now = new(2031, 5, 17, 8, 30, 0, TimeSpan.Zero);

    public static FakeTimeProvider Clock() => new(Now);

    public static IReadOnlyList<FactoryRecord> Csv(string text, FactoryImportLimits? limits = null) =>
        FactoryRecordImport.Parse(Encoding.UTF8.GetBytes(text), FactoryImportFormat.Csv, Clock(), limits);

    public static IReadOnlyList<FactoryRecord> Json(string text, FactoryImportLimits? limits = null) =>
        FactoryRecordImport.Parse(Encoding.UTF8.GetBytes(text), FactoryImportFormat.Json, Clock(), limits);

    public static FactoryImportException CsvError(string text, FactoryImportLimits? limits = null) =>
        Assert.Throws<FactoryImportException>(() => Csv(text, limits));

    public static FactoryImportException JsonError(string text, FactoryImportLimits? limits = null) =>
        Assert.Throws<FactoryImportException>(() => Json(text, limits));

    /// <summary>RFC 4180: every field quoted, quotes doubled.</summary>
    public static string Quote(string field) => "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// A CSV of records in the given column order (names from <paramref name="header"/>), every
    /// field quoted, lines ended by <paramref name="newline"/>.
    /// </summary>
    public static string WriteCsv(IReadOnlyList<string> header, IEnumerable<IReadOnlyDictionary<string, string?>> rows, string newline = "\r\n")
    {
        var text = new StringBuilder();
        text.Append(string.Join(',', header)).Append(newline);
        foreach (var row in rows)
        {
            text.Append(string.Join(',', header.Select(column => Quote(row.TryGetValue(column.ToLowerInvariant(), out var value) ? value ?? "" : "")))).Append(newline);
        }
        return text.ToString();
    }

    private static readonly System.Text.Encodings.Web.JavaScriptEncoder Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>How <see cref="WriteJson"/> writes a string value, without the quotes.</summary>
    public static string JsonEscape(string value) => System.Text.Json.JsonEncodedText.Encode(value, Encoder).ToString();

    public static string WriteJson(IEnumerable<IReadOnlyDictionary<string, string?>> rows)
    {
        using var stream = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Encoder = Encoder }))
        {
            writer.WriteStartArray();
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                foreach (var (name, value) in row)
                {
                    writer.WriteString(name == "verification_code" ? "verificationCode" : name, value);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
