namespace Pi.Gateway.State;

/// <summary>
/// The points of an atomic write where a crash leaves something behind. <see cref="AtomicFile"/>'s
/// tests interrupt a write at each of them and check that the target holds the whole old content or
/// the whole new content, never a mix.
/// </summary>
public enum AtomicWriteStep
{
    /// <summary>The temporary file exists (mode 0600) and is empty.</summary>
    TempCreated = 1,

    /// <summary>Half of the content is in the temporary file.</summary>
    PartlyWritten = 2,

    /// <summary>All of the content is written but not yet flushed to disk.</summary>
    Written = 3,

    /// <summary>The temporary file is flushed to disk (fsync) but not yet renamed over the target.</summary>
    Flushed = 4,

    /// <summary>The temporary file has replaced the target; the directory is not yet flushed.</summary>
    Renamed = 5,
}
