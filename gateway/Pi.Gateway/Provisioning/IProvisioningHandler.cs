using System.Net;
using Pi.Gateway.Wifi;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// What the provisioning server asks of the gateway (its state machine): join the router the APP
/// chose, keep the registration the APP delivered, and hear when an APP session starts and ends
/// (for the fail-safe timer and the LEDs). The server owns the sockets and the protocol; this owns
/// the decisions and the state.
/// </summary>
/// <remarks>
/// Calls come from the server's connection task, one at a time per session (there is one session
/// at a time). <see cref="SessionStarted"/> and <see cref="SessionEnded"/> must return quickly (post
/// an event, do not block); an exception they throw is logged and otherwise ignored.
/// </remarks>
public interface IProvisioningHandler
{
    /// <summary>
    /// S4/H70: joins <paramref name="ssid"/>. Expected failures (wrong password, no such network,
    /// timeout) are the result, not exceptions. A single radio loses its softAP while it joins, so
    /// the APP's connection may be gone when this returns; a failed join must leave the softAP up
    /// again so the APP can retry.
    /// </summary>
    Task<JoinResult> JoinWifiAsync(string ssid, SecretString password, CancellationToken cancellationToken);

    /// <summary>
    /// S104/H120: stores the registration (validated by the server: fields, key sizes, expiries) and
    /// says whether it was kept. The gateway logs in (S200) after this returns success.
    /// </summary>
    Task<RegistrationStoreResult> StoreRegistrationAsync(RegistrationInfo registration, CancellationToken cancellationToken);

    /// <summary>An APP authenticated on port3 and now holds the one provisioning session.</summary>
    void SessionStarted(ProvisioningSession session);

    /// <summary>The session ended (always after its <see cref="SessionStarted"/>, once).</summary>
    void SessionEnded(ProvisioningSession session, ProvisioningSessionEndReason reason);
}

/// <summary>One APP's provisioning session on port3.</summary>
/// <param name="Id">Increasing number, unique in the server's lifetime.</param>
/// <param name="Remote">The APP's address and port.</param>
/// <param name="StartedAt">When its first frame authenticated.</param>
public sealed record ProvisioningSession(long Id, IPEndPoint Remote, DateTimeOffset StartedAt);

/// <summary>Why a provisioning session ended.</summary>
public enum ProvisioningSessionEndReason
{
    /// <summary>The APP closed the connection.</summary>
    Closed = 1,

    /// <summary>The APP sent nothing for the idle timeout.</summary>
    IdleTimeout = 2,

    /// <summary>A frame did not complete within the frame timeout.</summary>
    FrameTimeout = 3,

    /// <summary>A bad frame or message, or the APP reported an error; the stream cannot go on.</summary>
    ProtocolError = 4,

    /// <summary>The same APP (same key pair) connected again, replacing this stale connection.</summary>
    Superseded = 5,

    /// <summary>The connection failed (reset, write error).</summary>
    TransportError = 6,

    /// <summary>The server stopped.</summary>
    Stopped = 7,
}

/// <summary>What <see cref="IProvisioningHandler.StoreRegistrationAsync"/> decided.</summary>
public sealed record RegistrationStoreResult
{
    private RegistrationStoreResult(bool stored, ProtocolErrorCode? error, string? message)
    {
        Stored = stored;
        Error = error;
        Message = message;
    }

    /// <summary>Whether the registration was kept.</summary>
    public bool Stored { get; }

    /// <summary>When not stored: the code the APP gets (for example <see cref="ProtocolErrorCode.Internal"/>).</summary>
    public ProtocolErrorCode? Error { get; }

    /// <summary>When not stored: a reason for people, without secrets (at most 512 bytes reach the APP).</summary>
    public string? Message { get; }

    /// <summary>Kept.</summary>
    public static RegistrationStoreResult Success { get; } = new(true, null, null);

    /// <summary>Not kept, with the code and reason the APP receives.</summary>
    public static RegistrationStoreResult Refused(ProtocolErrorCode error, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(false, error, message);
    }
}
