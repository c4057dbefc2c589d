using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// Mutates valid JSON messages. The first cases truncate every corpus item at every length; after
/// that a case is a structural mutation (delete, duplicate, rename, add or reorder members; replace a
/// value by one of another type, a huge number, deep nesting, an odd string, invalid UTF-8 or a
/// stray token; wrap a value; graft a value from another message), a byte-level mutation, or both.
/// </summary>
internal sealed class JsonMutator
{
    private const string Sentinel = "\u0001raw\u0001";

    private static readonly byte[][] Raw = BuildRaw();

    private readonly byte[][] _corpus;
    private readonly JsonNode[] _parsed;
    private readonly ByteMutator _bytes;
    private readonly int _truncations;

    public JsonMutator(IEnumerable<byte[]> corpus)
    {
        _corpus = [.. corpus];
        _parsed = [.. _corpus.Select(item => JsonNode.Parse(item)!)];
        _bytes = new ByteMutator(_corpus, [], hotBytes: 16, maxExtension: 256);
        _truncations = _corpus.Sum(item => item.Length);
    }

    public IReadOnlyList<byte[]> Corpus => _corpus;

    public FuzzCase<byte[]> Next(Random rng, int index)
    {
        if (index < _truncations)
        {
            return _bytes.Next(rng, index);
        }
        var source = rng.Next(_corpus.Length);
        switch (rng.Next(8))
        {
            case < 5:
                return Structural(rng, source);
            case < 6:
                return _bytes.Random(rng);
            default:
                var first = Structural(rng, source);
                var bytes = first.Input;
                for (var i = rng.Next(1, 3); i > 0; i--)
                {
                    var at = rng.Next(bytes.Length + 1);
                    bytes = rng.Next(3) switch
                    {
                        0 when bytes.Length > 0 => [.. bytes.AsSpan(0, at == bytes.Length ? at - 1 : at), (byte)rng.Next(256), .. bytes.AsSpan(Math.Min(at + 1, bytes.Length))],
                        1 => bytes[..at],
                        _ => [.. bytes.AsSpan(0, at), .. Raw[rng.Next(Raw.Length)], .. bytes.AsSpan(at)],
                    };
                }
                return new(bytes, first.Description + "; then byte-level damage");
        }
    }

    private FuzzCase<byte[]> Structural(Random rng, int source)
    {
        var root = _parsed[source].DeepClone();
        var slots = new List<(JsonNode? Parent, string? Name, int Index)>();
        Collect(root, null, null, -1, slots);
        var objects = slots.Select(slot => Get(root, slot)).OfType<JsonObject>().Where(o => o.Count > 0).ToList();
        string what;
        (JsonObject Target, string Name, byte[] Raw)? duplicate = null;
        var slotIndex = rng.Next(slots.Count);
        var slot = slots[slotIndex];
        var raw = Raw[rng.Next(Raw.Length)];
        switch (rng.Next(10))
        {
            case 0 when objects.Count > 0:
            {
                var target = objects[rng.Next(objects.Count)];
                var name = target.ElementAt(rng.Next(target.Count)).Key;
                target.Remove(name);
                what = $"deleted member '{name}'";
                break;
            }
            case 1 when objects.Count > 0:
            {
                var target = objects[rng.Next(objects.Count)];
                var member = target.ElementAt(rng.Next(target.Count));
                var value = rng.Next(2) == 0 ? Encoding.UTF8.GetBytes(member.Value?.ToJsonString() ?? "null") : raw;
                duplicate = (target, member.Key, value);
                what = $"duplicated member '{member.Key}'";
                break;
            }
            case 2 when objects.Count > 0:
            {
                var target = objects[rng.Next(objects.Count)];
                var member = target.ElementAt(rng.Next(target.Count));
                var renamed = rng.Next(5) switch
                {
                    0 => member.Key.ToUpperInvariant(),
                    1 => char.ToUpperInvariant(member.Key[0]) + member.Key[1..],
                    2 => member.Key + "x",
                    3 => "",
                    _ => "$" + member.Key,
                };
                if (target.ContainsKey(renamed))
                {
                    goto default;
                }
                var value = member.Value;
                target.Remove(member.Key);
                target[renamed] = value;
                what = $"renamed member '{member.Key}' to '{renamed}'";
                break;
            }
            case 3 when objects.Count > 0:
            {
                var target = objects[rng.Next(objects.Count)];
                var members = target.ToList();
                target.Clear();
                foreach (var member in members.OrderBy(_ => rng.Next()))
                {
                    target[member.Key] = member.Value;
                }
                target["unknown" + rng.Next(3)] = Sentinel;
                what = "shuffled members and added an unknown one";
                break;
            }
            case 4:
            {
                var donor = _parsed[rng.Next(_corpus.Length)];
                var donorSlots = new List<(JsonNode? Parent, string? Name, int Index)>();
                Collect(donor, null, null, -1, donorSlots);
                var graft = Get(donor, donorSlots[rng.Next(donorSlots.Count)]);
                raw = Encoding.UTF8.GetBytes(graft?.ToJsonString() ?? "null");
                root = Set(root, slot, Sentinel);
                what = $"grafted a value from another message into slot {slotIndex}";
                break;
            }
            case 5:
                raw = [(byte)'[', .. Encoding.UTF8.GetBytes(Get(root, slot)?.ToJsonString() ?? "null"), (byte)']'];
                root = Set(root, slot, Sentinel);
                what = $"wrapped slot {slotIndex} in an array";
                break;
            default:
                root = Set(root, slot, Sentinel);
                what = $"slot {slotIndex} replaced by {Fuzz.Show(Encoding.UTF8.GetString(raw), 48)}";
                break;
        }
        return new(Write(root, raw, duplicate), $"corpus[{source}]: {what}");
    }

    private static void Collect(JsonNode? node, JsonNode? parent, string? name, int index, List<(JsonNode?, string?, int)> slots)
    {
        slots.Add((parent, name, index));
        switch (node)
        {
            case JsonObject obj:
                foreach (var member in obj.ToList())
                {
                    Collect(member.Value, obj, member.Key, -1, slots);
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Collect(array[i], array, null, i, slots);
                }
                break;
            default:
                break;
        }
    }

    private static JsonNode? Get(JsonNode root, (JsonNode? Parent, string? Name, int Index) slot) => slot switch
    {
        (null, _, _) => root,
        (JsonObject obj, { } name, _) => obj[name],
        (JsonArray array, _, var i) => array[i],
        _ => null,
    };

    private static JsonNode Set(JsonNode root, (JsonNode? Parent, string? Name, int Index) slot, JsonNode? value)
    {
        switch (slot.Parent)
        {
            case null:
                return value ?? JsonValue.Create(Sentinel);
            case JsonObject obj:
                obj[slot.Name!] = value;
                return root;
            case JsonArray array:
                array[slot.Index] = value;
                return root;
            default:
                return root;
        }
    }

    private static byte[] Write(JsonNode root, byte[] raw, (JsonObject Target, string Name, byte[] Raw)? duplicate)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteNode(writer, root, raw, duplicate);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNode(Utf8JsonWriter writer, JsonNode? node, byte[] raw, (JsonObject Target, string Name, byte[] Raw)? duplicate)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var member in obj)
                {
                    writer.WritePropertyName(member.Key);
                    WriteNode(writer, member.Value, raw, duplicate);
                    if (duplicate is { } dup && ReferenceEquals(dup.Target, obj) && dup.Name == member.Key)
                    {
                        writer.WritePropertyName(member.Key);
                        writer.WriteRawValue(dup.Raw, skipInputValidation: true);
                    }
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteNode(writer, item, raw, duplicate);
                }
                writer.WriteEndArray();
                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && text == Sentinel:
                writer.WriteRawValue(raw, skipInputValidation: true);
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    private static byte[][] BuildRaw()
    {
        var texts = new List<string>
        {
            "\"x\"", "\"\"", "0", "-1", "1.5", "true", "false", "null", "[]", "{}", "[1,\"a\",null]", "{\"a\":1}",
            "1e309", "-1e309", "1e-400", "99999999999999999999999999999999", "18446744073709551615", "18446744073709551616",
            "4294967295", "4294967296", "2147483647", "2147483648", "-2147483649", "-9223372036854775809", "-0", "0.0",
            "1E2", "-1.0e+0", "0x10", "01", "+1", ".5", "1.", "NaN", "Infinity", "-Infinity",
            "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\uD83D\\uDE00\"", "\"tab\\there\"", "\"a\u0001b\"", "\"\\x41\"",
            "\"AAAAAAAAAAAAAAAAAAAAAA==\"", "\"AAAAAAAAAAAAAAAAAAAA\"", "\"AAAAAAAAAAAAAAAAAAAAAAAA\"", "\"AAAAAAAAAAAAAAAAAAAAAA\"",
            "\"AAAA AAAAAAAAAAAAAAAAAA==\"", "\"-_-_-_-_-_-_-_-_-_-_-_==\"", "\"========================\"",
            "\"2031-05-17T08:30:00+02:00\"", "\"2031-13-17T08:30:00Z\"", "\"9999-12-31T23:59:59-14:00\"", "\"0001-01-01T00:00:00+14:00\"",
            "\"2031-05-17\"", "\"not a date\"", "\"aa:bb:cc:dd:ee:ff\"", "\"AA-BB-CC-DD-EE-FF\"", "\"256.1.1.1\"", "\"::ffff:1.2.3.4\"",
            "\"fe80::1%25eth0\"", "\"https://x\"", "\"ftp://x\"", "\"http://[::1\"", "\"mqtt://h:99999\"", "\"file:///etc/passwd\"",
            "\"{0f8fad5b-d9cb-469f-a165-70867728950e}\"", "\"0f8fad5bd9cb469fa16570867728950e\"", "\"a/b\"", "\"+\"", "\"#\"",
            "\"\u0131d\"", "\"busy\"", "\"Busy\"", "\"BUSY\"", "\"wpa2-psk\"", "\"wpa2_psk\"", "\"truncated, busy\"", "\"999\"", "\"-1\"",
            "\" busy\"", "\"request\"", "\"response\"", "\"ack\"", "\"error\"", "\"logout\"", "\"keyRotation\"", "\"subDeviceAdded\"",
            "\"Request\"", "\"unknown\"", ",", ":", "}", "]", "{", "[", "\"", "tru", "nul", "/* c */ 1", "// c\n1", "'single'",
        };
        foreach (var n in new[] { 15, 16, 17, 64, 1000 })
        {
            texts.Add(new string('[', n) + new string(']', n));
            texts.Add(string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n));
        }
        texts.Add(new string('[', 5000));
        foreach (var n in new[] { 16, 17, 32, 33, 63, 64, 65, 128, 129, 256, 257, 512, 513, 100_000 })
        {
            texts.Add("\"" + new string('a', n) + "\"");
        }
        texts.Add("\"" + string.Concat(Enumerable.Repeat("\u00e4", 200)) + "\"");
        texts.Add("\"https://" + new string('a', 300) + "\"");
        var raw = texts.Select(Encoding.UTF8.GetBytes).ToList();
        byte[][] invalidUtf8 = [[0xC3, 0x28], [0xFF, 0xFE], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]];
        foreach (var bad in invalidUtf8)
        {
            raw.Add([(byte)'"', .. bad, (byte)'"']);
            raw.Add([(byte)'"', (byte)'a', .. bad, (byte)'b', (byte)'"']);
            raw.Add(bad);
        }
        raw.Add([0xEF, 0xBB, 0xBF, (byte)'1']);
        return [.. raw];
    }
}
