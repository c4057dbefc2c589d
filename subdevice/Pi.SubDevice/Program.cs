using Pi.SubDevice.Cli;

// Everything lives in SubDeviceCli so tests can run the same code in-process.
return await SubDeviceCli.RunAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
