using Pi.SubDevice.Cli;

if (Pi.Protocol.ProductVersion.IsRequested(args))
{
    Console.WriteLine(Pi.Protocol.ProductVersion.Line("Pi.SubDevice"));
    return 0;
}

// Everything lives in SubDeviceCli so tests can run the same code in-process.
return await SubDeviceCli.MainAsync(args).ConfigureAwait(false);
