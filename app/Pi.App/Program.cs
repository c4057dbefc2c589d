using Pi.App;

// Everything lives in Cli so that tests can run the same code in-process.
return await Cli.RunAsync(args, Console.Out, Console.Error, Console.In);
