using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Bridge.Queue;

// Event ids 2300-2349: the up queue. Records carry sealed packets' plaintext: never their bytes,
// only seqs, counts, sizes and file names.
public sealed partial class FileUpQueue
{
    [LoggerMessage(2300, LogLevel.Information, "Up queue opened in {Directory}: stream {Stream}, {Count} record(s) waiting, last seq {LastSeq}, {DroppedUnreported} drop(s) not yet reported")]
    private static partial void LogOpened(ILogger logger, string directory, string stream, long count, long lastSeq, long droppedUnreported);

    [LoggerMessage(2301, LogLevel.Information, "Up queue: new stream {Stream} ({Reason})")]
    private static partial void LogNewStream(ILogger logger, string stream, string reason);

    [LoggerMessage(2302, LogLevel.Warning, "Up queue segment {File} ends in a torn or corrupt record at offset {Offset} ({Problem}); cut there, {Discarded} byte(s) discarded")]
    private static partial void LogTailTruncated(ILogger logger, string file, long offset, string problem, long discarded);

    [LoggerMessage(2303, LogLevel.Error, "Up queue segment {File} is corrupt ({Problem}); moved aside to {MovedTo}. Up to {Lost} waiting record(s) in it are counted as dropped")]
    private static partial void LogSegmentQuarantined(ILogger logger, string file, string problem, string movedTo, long lost);

    [LoggerMessage(2304, LogLevel.Warning, "Up queue meta file {File} is corrupt ({Problem}); moved aside to {MovedTo}. What was acknowledged may be sent again (same stream and seqs, which the cloud skips); unreported drops are forgotten")]
    private static partial void LogMetaCorrupt(ILogger logger, string file, string problem, string movedTo);

    [LoggerMessage(2305, LogLevel.Information, "Up queue segment {File} belongs to stream {OldStream}, not {Stream} (left by a wipe); deleted")]
    private static partial void LogForeignSegmentDeleted(ILogger logger, string file, string oldStream, string stream);

    [LoggerMessage(2306, LogLevel.Warning, "Up queue is full ({MaxItems} records or {MaxBytes} bytes): dropping the oldest (counted, reported to the cloud); logged again after the next acknowledgement")]
    private static partial void LogDropping(ILogger logger, int maxItems, long maxBytes);

    [LoggerMessage(2307, LogLevel.Error, "Up queue: writing {Count} record(s) to {File} failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, string file);

    [LoggerMessage(2308, LogLevel.Error, "Up queue: syncing to disk failed")]
    private static partial void LogSyncFailed(ILogger logger, Exception exception);

    [LoggerMessage(2309, LogLevel.Error, "Up queue record {Seq} read back from {File} is corrupt or missing ({Problem}); counted as dropped")]
    private static partial void LogRecordLost(ILogger logger, long seq, string file, string problem);

    [LoggerMessage(2310, LogLevel.Warning, "Up queue wiped: {Files} file(s) deleted; new stream {Stream}")]
    private static partial void LogWiped(ILogger logger, int files, string stream);

    [LoggerMessage(2311, LogLevel.Warning, "Up queue path {Path} was open to other users (mode {Mode}); narrowed to owner only")]
    private static partial void LogModeNarrowed(ILogger logger, string path, string mode);

    [LoggerMessage(2312, LogLevel.Information, "Up queue directory {Directory} created (mode 0700)")]
    private static partial void LogDirectoryCreated(ILogger logger, string directory);

    [LoggerMessage(2313, LogLevel.Warning, "Up queue file {File} could not be deleted or moved ({Error})")]
    private static partial void LogFileOperationFailed(ILogger logger, string file, string error);

    [LoggerMessage(2314, LogLevel.Information, "Up queue: removed {Count} temporary file(s) an interrupted write left: {Names}")]
    private static partial void LogStrayTempFilesRemoved(ILogger logger, int count, string names);

    [LoggerMessage(2316, LogLevel.Warning, "Up queue: a Changed handler threw; the queue goes on")]
    private static partial void LogChangedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(2315, LogLevel.Error, "Up queue: writing the meta file failed; retried at the next sync")]
    private static partial void LogMetaWriteFailed(ILogger logger, Exception exception);
}
