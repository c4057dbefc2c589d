namespace Pi.Cloud.Store;

/// <summary>
/// The store refused a change because it conflicts with what is stored or with the schema's rules
/// (a duplicate id, an unknown reference, a value out of range). Nothing was written. The message
/// names the operation and the rule, never the values (keys, hashes and codes stay out of logs).
/// </summary>
public sealed class StoreConflictException : Exception
{
    public StoreConflictException()
        : base("The change conflicts with stored data.")
    {
    }

    public StoreConflictException(string message)
        : base(message)
    {
    }

    public StoreConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
