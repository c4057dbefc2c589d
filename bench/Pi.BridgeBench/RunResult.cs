namespace Pi.BridgeBench;

/// <summary>One target's run: what was sent, what arrived, how fast, at what cost.</summary>
public sealed record RunResult
{
    public required string Target { get; init; }

    public required IReadOnlyList<string> Notes { get; init; }

    public required int Publishers { get; init; }

    public required int IdleClients { get; init; }

    public required int PayloadSize { get; init; }

    public required int Qos { get; init; }

    public required int InFlightPerPublisher { get; init; }

    public required long Warmup { get; init; }

    /// <summary>Seconds to connect the idle clients and the publishers (handshakes included).</summary>
    public required double ConnectSeconds { get; init; }

    /// <summary>Publishes handed to the target.</summary>
    public required long Sent { get; init; }

    /// <summary>Publishes the LAN side acknowledged.</summary>
    public required long Acked { get; init; }

    /// <summary>Publishes refused or failed (no acknowledgement).</summary>
    public required long Failed { get; init; }

    public string? FirstFailure { get; init; }

    /// <summary>Distinct messages that reached the cloud side.</summary>
    public required long Delivered { get; init; }

    /// <summary>Acknowledged but never delivered (within the drain timeout).</summary>
    public required long Lost { get; init; }

    /// <summary>Deliveries of a message that had already arrived.</summary>
    public required long Duplicates { get; init; }

    /// <summary>Delivered although the publish was not acknowledged.</summary>
    public required long DeliveredUnacked { get; init; }

    /// <summary>Cloud-side messages that were no harness payload, or named a publisher or sequence never sent.</summary>
    public required long Unrecognized { get; init; }

    /// <summary>From the first publish to the last acknowledgement.</summary>
    public required double PublishSeconds { get; init; }

    public required double AckedPerSecond { get; init; }

    /// <summary>From the window's opening (after warmup) to the last delivery.</summary>
    public required double WindowSeconds { get; init; }

    /// <summary>Distinct deliveries inside the window.</summary>
    public required long WindowMessages { get; init; }

    public required double DeliveredPerSecond { get; init; }

    /// <summary>Publish-to-cloud latency of the window's messages, milliseconds.</summary>
    public required LatencySummary Latency { get; init; }

    /// <summary>The harness process first, then the target's processes.</summary>
    public required IReadOnlyList<ProcessResult> Processes { get; init; }

    /// <summary>CPU time of all measured processes in the window, per delivered message, microseconds.</summary>
    public required double CpuMicrosecondsPerMessage { get; init; }

    /// <summary>True when nothing was lost, duplicated, refused or unrecognized.</summary>
    public bool Clean => Lost == 0 && Duplicates == 0 && Failed == 0 && Unrecognized == 0 && Delivered == Sent;
}

/// <summary>Latency percentiles in milliseconds (nearest rank).</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double Max);

/// <summary>One process's cost.</summary>
/// <param name="Name">harness, mosquitto-lan, ...</param>
/// <param name="ProcessId">PID.</param>
/// <param name="WindowCpuSeconds">CPU time inside the measurement window.</param>
/// <param name="RunCpuSeconds">CPU time from before the clients connected to the end (the brokers: from their start).</param>
/// <param name="PeakRssMiB">VmHWM at the end, null when unavailable (for the harness: its whole life).</param>
public sealed record ProcessResult(string Name, int ProcessId, double WindowCpuSeconds, double RunCpuSeconds, double? PeakRssMiB);
