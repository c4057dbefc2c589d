using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Pi.App.Demo;

/// <summary>A step's running notes: where it runs, lines to print under it.</summary>
internal sealed class DemoStepContext
{
    private readonly DemoConsole _console;

    public DemoStepContext(DemoConsole console) => _console = console;

    /// <summary>Where the part runs (an address), for the summary.</summary>
    public string Where { get; set; } = "";

    /// <summary>A line under the step (already redacted).</summary>
    public void Detail(string text) => _console.Detail(text);
}

/// <summary>
/// The demo's output. On a terminal: Spectre.Console (a spinner per running step, colours, tables).
/// Redirected (a file, a pipe, a test's writer): plain text lines and an aligned table. With
/// <c>--json</c> nothing but the final JSON object goes to standard output. Every step's timing and
/// outcome is recorded for the summary.
/// </summary>
internal sealed class DemoConsole
{
    private readonly TextWriter _out;
    private readonly IAnsiConsole? _ansi;
    private readonly bool _quiet;
    private readonly List<DemoStepRecord> _steps = [];
    private readonly Lock _lock = new();

    public DemoConsole(TextWriter output, bool fancy, bool quiet)
    {
        _out = output;
        _quiet = quiet;
        if (fancy && !quiet)
        {
            _ansi = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.Detect,
                ColorSystem = ColorSystemSupport.Detect,
                Out = new AnsiConsoleOutput(output),
            });
        }
    }

    public IReadOnlyList<DemoStepRecord> Steps
    {
        get
        {
            lock (_lock)
            {
                return [.. _steps];
            }
        }
    }

    public void Title(string title, string subtitle)
    {
        if (_quiet)
        {
            return;
        }
        if (_ansi is not null)
        {
            _ansi.Write(new Rule($"[bold]{Markup.Escape(title)}[/]") { Justification = Justify.Left });
            _ansi.MarkupLine($"[grey]{Markup.Escape(subtitle)}[/]");
            _ansi.WriteLine();
        }
        else
        {
            _out.WriteLine(title);
            _out.WriteLine(subtitle);
            _out.WriteLine();
        }
    }

    /// <summary>Runs one step: a spinner (terminal) or a start line (plain), then its outcome line and record.</summary>
    public async Task<T> StepAsync<T>(string step, string what, Func<DemoStepContext, Task<T>> body)
    {
        var context = new DemoStepContext(this);
        var started = Stopwatch.GetTimestamp();
        try
        {
            T result;
            if (_ansi is not null)
            {
                result = await _ansi.Status().Spinner(Spinner.Known.Dots).SpinnerStyle(Style.Parse("grey"))
                    .StartAsync($"{Markup.Escape(step)}: {Markup.Escape(what)}", _ => body(context)).ConfigureAwait(false);
            }
            else
            {
                result = await body(context).ConfigureAwait(false);
            }
            Record(step, what, context.Where, started, "ok");
            return result;
        }
        catch (Exception ex)
        {
            Record(step, what, context.Where, started, ex is OperationCanceledException ? "stopped" : "FAILED");
            throw;
        }
    }

    /// <summary>A step that was never reached (the demo failed before it).</summary>
    public void Skipped(string step, string what)
    {
        lock (_lock)
        {
            var stop = _steps.FindIndex(s => s.Step == "stop");
            _steps.Insert(stop < 0 ? _steps.Count : stop, new DemoStepRecord(step, what, "", 0, "not run"));
        }
    }

    public void Detail(string text)
    {
        if (_quiet)
        {
            return;
        }
        foreach (var line in text.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (_ansi is not null)
            {
                _ansi.MarkupLine($"    [grey]{Markup.Escape(line)}[/]");
            }
            else
            {
                _out.WriteLine($"    {line}");
            }
        }
    }

    /// <summary>A command line as the user types it.</summary>
    public void Typed(string commandLine)
    {
        if (_quiet)
        {
            return;
        }
        if (_ansi is not null)
        {
            _ansi.MarkupLine($"    [blue]$[/] {Markup.Escape(commandLine)}");
        }
        else
        {
            _out.WriteLine($"    $ {commandLine}");
        }
    }

    public void Line(string text = "")
    {
        if (_quiet)
        {
            return;
        }
        if (_ansi is not null)
        {
            _ansi.MarkupLine(Markup.Escape(text));
        }
        else
        {
            _out.WriteLine(text);
        }
    }

    /// <summary>A headed table (telemetry, summary).</summary>
    public void Table(string? caption, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        if (_quiet)
        {
            return;
        }
        if (_ansi is not null)
        {
            var table = new Table().Border(TableBorder.Rounded).BorderColor(Color.Grey);
            if (caption is not null)
            {
                table.Title = new TableTitle(caption);
            }
            foreach (var header in headers)
            {
                table.AddColumn(new TableColumn($"[bold]{Markup.Escape(header)}[/]"));
            }
            foreach (var row in rows)
            {
                table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Markup(Colour(cell))).ToArray());
            }
            _ansi.Write(table);
            return;
        }
        if (caption is not null)
        {
            _out.WriteLine(caption);
        }
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        _out.WriteLine("  " + string.Join("  ", headers.Select((h, i) => h.ToUpperInvariant().PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows)
        {
            _out.WriteLine("  " + string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }

    /// <summary>The last line: <c>ok</c>, <c>FAILED</c> or <c>stopped</c> (interrupted).</summary>
    public void Outcome(string outcome, string text)
    {
        if (_quiet)
        {
            return;
        }
        if (_ansi is not null)
        {
            _ansi.WriteLine();
            var mark = outcome switch { "ok" => "[green bold]✓[/]", "stopped" => "[yellow bold]■[/]", _ => "[red bold]✗[/]" };
            _ansi.MarkupLine($"{mark} {Markup.Escape(text)}");
        }
        else
        {
            _out.WriteLine();
            _out.WriteLine($"{outcome}: {text}");
        }
    }

    public static string Seconds(long milliseconds) =>
        (milliseconds / 1000.0).ToString(milliseconds < 10_000 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " s";

    private void Record(string step, string what, string where, long started, string outcome)
    {
        var ms = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        lock (_lock)
        {
            _steps.Add(new DemoStepRecord(step, what, where, ms, outcome));
        }
        if (_quiet)
        {
            return;
        }
        var suffix = where.Length > 0 ? $"  {where}" : "";
        if (_ansi is not null)
        {
            var mark = outcome switch { "ok" => "[green]✓[/]", "stopped" => "[yellow]■[/]", _ => "[red]✗[/]" };
            _ansi.MarkupLine($"{mark} [bold]{Markup.Escape(step)}[/]  {Markup.Escape(what)}[grey]{Markup.Escape(suffix)}  {Seconds(ms)}[/]");
        }
        else
        {
            _out.WriteLine($"{(outcome == "ok" ? "ok    " : outcome == "stopped" ? "stop  " : "FAIL  ")}{step}  {what}{suffix}  ({Seconds(ms)})");
        }
    }

    private static string Colour(string cell) => cell switch
    {
        "ok" => "[green]ok[/]",
        "FAILED" => "[red]FAILED[/]",
        "not run" or "stopped" => $"[yellow]{cell}[/]",
        _ => Markup.Escape(cell),
    };
}
