namespace Pi.App.Tests;

/// <summary>What one in-process run of the tool printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The value of a <c>name  value</c> line of decode's output.</summary>
    public string Field(string name)
    {
        foreach (var line in Stdout.Split('\n'))
        {
            if (line.StartsWith(name.PadRight(11), StringComparison.Ordinal))
            {
                return line[11..].TrimEnd('\r');
            }
        }
        throw new Xunit.Sdk.XunitException($"no '{name}' line in:\n{Stdout}\nstderr:\n{Stderr}");
    }

    /// <summary>Standard output without the trailing line break (encode prints one line).</summary>
    public string Line => Stdout.TrimEnd('\r', '\n');

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs <see cref="Cli.RunAsync"/> with string writers: fast, and parallel-safe.</summary>
internal static class CliRunner
{
    public static Task<CliResult> RunAsync(params string[] args) => RunWithStdinAsync(string.Empty, args);

    public static async Task<CliResult> RunWithStdinAsync(string stdin, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var input = new StringReader(stdin);
        var exit = await Cli.RunAsync(args, stdout, stderr, input);
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs and asserts success, so a failing step shows what the tool said.</summary>
    public static async Task<CliResult> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
