namespace Pi.SubDevice.Cli;

internal static class SubDeviceCli
{
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) => Task.FromResult(0);
}
