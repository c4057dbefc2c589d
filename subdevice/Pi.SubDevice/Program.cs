using Pi.SubDevice.Cli;

// Everything lives in SubDeviceCli so tests can run the same code in-process.
return await SubDeviceCli.MainAsync(args).ConfigureAwait(false);
