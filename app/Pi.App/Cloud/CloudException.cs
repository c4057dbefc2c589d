namespace Pi.App.Cloud;

/// <summary>A cloud command failed; <see cref="ExitCode"/> is one of <see cref="Cli"/>'s codes.</summary>
internal sealed class CloudException : Exception
{
    public CloudException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public CloudException()
        : this(Cli.CloudError, "the cloud request failed")
    {
    }

    public CloudException(string message)
        : this(Cli.CloudError, message)
    {
    }

    public CloudException(string message, Exception innerException)
        : this(Cli.CloudError, message, innerException)
    {
    }

    public int ExitCode { get; }
}
