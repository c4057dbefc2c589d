using System.Globalization;
using System.Text;

namespace Pi.Hil.Processes;

/// <summary>
/// Every line the rig's processes and the rig itself wrote, with the time and the writer's name, in
/// order; a scenario dumps it into its test output when it fails.
/// </summary>
public sealed class RigLog
{
    private const int MaxLines = 200_000;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;

    private readonly List<string> _secrets = [];

    /// <summary>A value never written as it is (a password, a setup code): every line shows *** instead.</summary>
    public void AddSecret(string secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            lock (_gate)
            {
                _secrets.Add(secret);
            }
        }
    }

    /// <summary>Called for every line (for a live view); exceptions from it are ignored.</summary>
    public Action<string>? Sink { get; set; }

    /// <summary>Adds a line written by <paramref name="source"/>.</summary>
    public void Write(string source, string line)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{(DateTimeOffset.UtcNow - _start).TotalSeconds,8:0.000} {source,-10} {line}");
        lock (_gate)
        {
            foreach (var secret in _secrets)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
            if (_lines.Count < MaxLines)
            {
                _lines.Add(text);
            }
        }
        try
        {
            Sink?.Invoke(text);
        }
        catch (InvalidOperationException)
        {
            // xunit's output helper refuses lines after its test ended; the log keeps them.
        }
    }

    /// <summary>All lines so far.</summary>
    public override string ToString()
    {
        lock (_gate)
        {
            var builder = new StringBuilder();
            foreach (var line in _lines)
            {
                builder.AppendLine(line);
            }
            return builder.ToString();
        }
    }

    /// <summary>The lines of one source.</summary>
    public IReadOnlyList<string> Of(string source)
    {
        lock (_gate)
        {
            return [.. _lines.Where(l => l.Length > 9 && l[9..].StartsWith(source + " ", StringComparison.Ordinal) || l.Contains(" " + source + " ", StringComparison.Ordinal))];
        }
    }
}
