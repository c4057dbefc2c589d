using System.Diagnostics;
using Pi.BridgeBench;
using Pi.BridgeBench.Targets;

BridgeBenchOptions options;
try
{
    options = BridgeBenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(BridgeBenchOptions.Usage);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(BridgeBenchOptions.Usage);
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: stop cleanly (brokers stopped by PID, temp dirs deleted). A second one ends
    // the process; ChildProcesses still kills what is left on the way out.
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        Console.Error.WriteLine("cancelling: stopping the targets...");
        cancellation.Cancel();
    }
};

var code = await Cli.RunAsync(options, Console.Out, cancellation.Token);
return code;
