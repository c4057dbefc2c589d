using Spectre.Console;

namespace Pi.App.Commands;

/// <summary>
/// How a multi-step command (provision, subdevices add) shows its progress and asks questions:
/// Spectre.Console (a spinner per step, marked-up lines, prompts) on a terminal or an injected
/// console; plain lines, one per step, when the output is redirected. With <c>--json</c> the
/// progress goes to standard error, so standard output holds nothing but the final JSON.
/// Every line passes through <see cref="CliContext.Redact"/>: no secret is shown by accident.
/// </summary>
internal sealed class StepUi
{
    private readonly CliContext _io;
    private readonly IAnsiConsole? _rich;
    private readonly TextWriter _plain;

    private StepUi(CliContext io, IAnsiConsole? rich, TextWriter plain, bool canPrompt)
    {
        _io = io;
        _rich = rich;
        _plain = plain;
        CanPrompt = canPrompt;
    }

    /// <summary>Whether the user can be asked (a terminal or an injected console, and no <c>--no-input</c>).</summary>
    public bool CanPrompt { get; }

    /// <summary>The console prompts use (only when <see cref="CanPrompt"/>).</summary>
    public IAnsiConsole Console => _rich ?? throw new InvalidOperationException("no console to prompt on");

    public static StepUi Create(CliContext io, bool json, bool noInput)
    {
        var human = json ? io.Error : io.Out;
        if (io.Console is { } injected)
        {
            return new StepUi(io, injected, human, canPrompt: !noInput);
        }
        var terminal = (ReferenceEquals(human, System.Console.Out) && !System.Console.IsOutputRedirected)
            || (ReferenceEquals(human, System.Console.Error) && !System.Console.IsErrorRedirected);
        if (!terminal)
        {
            return new StepUi(io, null, human, canPrompt: false);
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(human) });
        var input = ReferenceEquals(io.In, System.Console.In) && !System.Console.IsInputRedirected;
        return new StepUi(io, console, human, canPrompt: input && !noInput);
    }

    /// <summary>Runs one step: a spinner with <paramref name="doing"/> on a terminal, a line <c>step: doing</c> otherwise.</summary>
    public async Task<T> StepAsync<T>(string step, string doing, Func<Task<T>> work)
    {
        if (_rich is { Profile.Capabilities: { Interactive: true, Ansi: true } })
        {
            return await _rich.Status().StartAsync(Markup.Escape(_io.Redact(doing)), _ => work()).ConfigureAwait(false);
        }
        Line(step, doing);
        return await work().ConfigureAwait(false);
    }

    /// <summary>A step's result: a check mark on a terminal, <c>step: text</c> otherwise.</summary>
    public void Done(string step, string text)
    {
        if (_rich is not null)
        {
            _rich.MarkupLine("[green]✓[/] " + Markup.Escape(_io.Redact(text)));
        }
        else
        {
            Line(step, text);
        }
    }

    /// <summary>A warning or a failed attempt that the command gets over (a wrong Wi-Fi password it asks again for).</summary>
    public void Problem(string step, string text)
    {
        if (_rich is not null)
        {
            _rich.MarkupLine("[yellow]![/] " + Markup.Escape(_io.Redact(text)));
        }
        else
        {
            Line(step, text);
        }
    }

    /// <summary>A detail line under a step (device info, a network of the list).</summary>
    public void Detail(string text)
    {
        if (_rich is not null)
        {
            _rich.MarkupLine("  " + Markup.Escape(_io.Redact(text)));
        }
        else
        {
            _plain.WriteLine("  " + _io.Redact(text));
        }
    }

    /// <summary>Lines that hold secrets on purpose (<c>--show-secrets</c>): not redacted.</summary>
    public void Secret(string text)
    {
        if (_rich is not null)
        {
            _rich.MarkupLine("  " + Markup.Escape(text));
        }
        else
        {
            _plain.WriteLine("  " + text);
        }
    }

    /// <summary>The final outcome in human form (not used with <c>--json</c>).</summary>
    public void Outcome(bool good, string text)
    {
        if (_rich is not null)
        {
            _rich.MarkupLine((good ? "[green]" : "[red]") + Markup.Escape(_io.Redact(text)) + "[/]");
        }
        else
        {
            _plain.WriteLine(_io.Redact(text));
        }
    }

    private void Line(string step, string text) => _plain.WriteLine(_io.Redact($"{step}: {text}"));
}
