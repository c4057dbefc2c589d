using System.Text.RegularExpressions;

namespace Pi.Protocol.Tests.Spec;

/// <summary>One test vector block of docs/protocol.md: <c>field: value</c> lines.</summary>
public sealed class SpecVector
{
    private readonly Dictionary<string, string> _fields;

    public SpecVector(Dictionary<string, string> fields) => _fields = fields;

    public string Name => this["name"];

    public string Kind => this["kind"];

    public string this[string field] =>
        _fields.TryGetValue(field, out var value) ? value : throw new KeyNotFoundException($"vector {_fields.GetValueOrDefault("name")} has no '{field}'");

    public byte[] Hex(string field) => Convert.FromHexString(this[field]);

    public override string ToString() => Name;
}

/// <summary>Finds the repository and reads the vectors out of docs/protocol.md.</summary>
public static partial class SpecVectors
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ProtocolDocPath => Path.Combine(RepositoryRoot, "docs", "protocol.md");

    public static IReadOnlyList<SpecVector> All { get; } = Read(File.ReadAllText(ProtocolDocPath));

    public static IEnumerable<SpecVector> OfKind(string kind) => All.Where(v => v.Kind == kind);

    public static IReadOnlyList<SpecVector> Read(string markdown)
    {
        var vectors = new List<SpecVector>();
        foreach (Match block in VectorBlock().Matches(markdown))
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var separator = line.IndexOf(": ", StringComparison.Ordinal);
                if (separator < 0)
                {
                    fields[line.TrimEnd(':')] = string.Empty;
                }
                else
                {
                    fields[line[..separator]] = line[(separator + 2)..];
                }
            }
            vectors.Add(new SpecVector(fields));
        }
        return vectors;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pi.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Pi.sln not found above the test binaries");
    }

    [GeneratedRegex("```vector\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex VectorBlock();
}
