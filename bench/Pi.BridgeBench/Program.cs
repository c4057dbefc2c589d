using System.Runtime.InteropServices;
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
// First Ctrl+C, SIGTERM or SIGHUP: stop cleanly (brokers stopped by PID, temp dirs deleted, results
// so far printed). A second one ends the process at once; ChildProcesses still kills what is left
// on the way out.
void OnSignal(PosixSignalContext context)
{
    if (!cancellation.IsCancellationRequested)
    {
        context.Cancel = true;
        Console.Error.WriteLine($"{context.Signal}: stopping the targets...");
        cancellation.Cancel();
    }
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);

var code = await Cli.RunAsync(options, Console.Out, cancellation.Token);
return code;
