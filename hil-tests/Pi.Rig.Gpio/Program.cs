using Pi.Rig.Gpio;

// Pi.Rig.Gpio --socket <path> [--press-level 0|1] --script "<statements>"   (README.md)
return await RigCommandLine.RunAsync(args, Console.Out, Console.Error);
