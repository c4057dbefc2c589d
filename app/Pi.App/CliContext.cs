namespace Pi.App;

/// <summary>
/// The streams one run of the tool writes to and reads from, and the secrets it must never echo.
/// One instance per run, so parallel runs (tests) share nothing.
/// </summary>
internal sealed class CliContext
{
    /// <summary>Options whose values are secret: they are redacted from every error and note.</summary>
    public static readonly string[] SecretOptions = ["--key", "-k", "--setup-code", "--password", "--qr", "--verification-code"];

    private readonly TextWriter _stderr;
    private readonly List<string> _secrets = [];
    private readonly Lock _lock = new();

    public CliContext(TextWriter stdout, TextWriter stderr, TextReader stdin, Spectre.Console.IAnsiConsole? console = null)
    {
        Out = stdout;
        _stderr = stderr;
        In = stdin;
        Console = console;
    }

    /// <summary>
    /// A console given by the caller (tests: Spectre.Console.Testing's TestConsole) for prompts and
    /// progress; null when the tool runs on the process's own console or on plain writers.
    /// </summary>
    public Spectre.Console.IAnsiConsole? Console { get; }

    /// <summary>Standard error, for progress when standard output carries JSON.</summary>
    public TextWriter Error => _stderr;

    /// <summary>Results: plaintext, sealed forms, the walkthrough.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard input, for a data argument of <c>-</c>.</summary>
    public TextReader In { get; }

    /// <summary>Remembers a secret (a key, a setup code, a file's key text) so it is never printed in an error.</summary>
    public void AddSecret(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return;
        }
        lock (_lock)
        {
            _secrets.Add(secret);
            var trimmed = secret.Trim();
            if (trimmed.Length != secret.Length)
            {
                _secrets.Add(trimmed);
            }
            // Longest first, so a secret that contains another is replaced whole.
            _secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
        }
    }

    /// <summary>Collects the values of <see cref="SecretOptions"/> from raw arguments, before parsing.</summary>
    public void AddSecretsFromArguments(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            foreach (var option in SecretOptions)
            {
                if (string.Equals(args[i], option, StringComparison.Ordinal) && i + 1 < args.Count)
                {
                    AddSecret(args[i + 1]);
                }
                else if (args[i].Length > option.Length + 1
                    && args[i].StartsWith(option, StringComparison.Ordinal)
                    && args[i][option.Length] is '=' or ':')
                {
                    AddSecret(args[i][(option.Length + 1)..]);
                }
                else if (option.Length == 2 && args[i].Length > 2 && args[i].StartsWith(option, StringComparison.Ordinal))
                {
                    // POSIX style: -kVALUE.
                    AddSecret(args[i][2..]);
                }
            }
        }
    }

    /// <summary>Writes <c>error: message</c> to standard error, secrets redacted.</summary>
    public void WriteError(string message) => _stderr.WriteLine(Redact("error: " + message));

    /// <summary>Writes <c>note: message</c> to standard error, secrets redacted.</summary>
    public void WriteNote(string message) => _stderr.WriteLine(Redact("note: " + message));

    /// <summary>Writes <c>warning: message</c> to standard error, secrets redacted.</summary>
    public void WriteWarning(string message) => _stderr.WriteLine(Redact("warning: " + message));

    /// <summary>Writes a prompt (no line break) to standard error, for interactive input.</summary>
    public void WritePrompt(string text)
    {
        _stderr.Write(text);
        _stderr.Flush();
    }

    /// <summary>Replaces every known secret in <paramref name="text"/> with <c>***</c>.</summary>
    public string Redact(string text)
    {
        lock (_lock)
        {
            foreach (var secret in _secrets)
            {
                // Very short values (a one-letter typo) would shred the message; keys and codes are long.
                if (secret.Length >= 4)
                {
                    text = text.Replace(secret, "***", StringComparison.Ordinal);
                }
            }
        }
        return text;
    }
}
