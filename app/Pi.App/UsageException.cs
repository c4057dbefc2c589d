namespace Pi.App;

/// <summary>
/// The command line asks for something that cannot be done (a missing option, an option that does not
/// fit the suite, an unreadable input file). Exit code 1, like a parse error.
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UsageException()
        : base("invalid usage")
    {
    }
}
