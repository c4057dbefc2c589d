using System.Text.Json;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.SubDevice.Client;

/// <summary>
/// What a sub-device does with a command from the gateway. Return <see cref="CommandResult.Success"/>
/// or <see cref="CommandResult.Failure"/>; the client wraps it in a <c>response</c> that repeats the
/// request's <c>txn</c>, so a handler cannot get the pairing wrong.
/// </summary>
public delegate ValueTask<CommandResult> CommandHandler(SessionRequest request, CancellationToken cancellationToken);

/// <summary>The outcome of one command.</summary>
public sealed record CommandResult(bool Ok, JsonElement? Result, ErrorInfo? Error)
{
    /// <summary>The command worked; <paramref name="result"/> is any JSON (or none).</summary>
    public static CommandResult Success(JsonElement? result = null) => new(true, result, null);

    /// <summary>The command failed with a stable error code (docs/protocol.md, section 12).</summary>
    public static CommandResult Failure(ProtocolErrorCode code, string message) => new(false, null, new ErrorInfo(code, message));

    /// <summary>The answer to <paramref name="request"/>.</summary>
    public SessionResponse ToResponse(SessionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Ok ? new SessionResponse(request.Txn, true, Result) : new SessionResponse(request.Txn, false, Error: Error);
    }
}

/// <summary>A connection completed its hello/welcome: packets are sealed under a new link key.</summary>
/// <param name="Connection">1 for the first connection of this client, then 2, 3 ...</param>
/// <param name="KeyId">The link's key id from the welcome.</param>
public sealed record LinkedInfo(int Connection, uint KeyId);

/// <summary>A connection ended (or a connect attempt failed before linking).</summary>
/// <param name="Connection">Which connection.</param>
/// <param name="WasLinked">True if it had linked.</param>
/// <param name="Reason">Why, for people (never a secret).</param>
public sealed record DisconnectedInfo(int Connection, bool WasLinked, string Reason);

/// <summary>A command was answered.</summary>
/// <param name="Request">What the gateway asked.</param>
/// <param name="Response">What the sub-device answered.</param>
public sealed record CommandHandledInfo(SessionRequest Request, SessionResponse Response);

/// <summary>The broker refused the credentials (bad user name or password, not authorized ...).</summary>
/// <param name="ReasonCode">The MQTT CONNACK reason, e.g. <c>BadUserNameOrPassword</c> or <c>NotAuthorized</c>.</param>
/// <param name="RetryIn">When the client tries again.</param>
public sealed record RefusedInfo(string ReasonCode, TimeSpan RetryIn);

/// <summary>Running totals of one client, for tests, the bench and a device's diagnostics page.</summary>
public sealed class SubDeviceCounters
{
    private long _connects;
    private long _links;
    private long _refusals;
    private long _connectFailures;
    private long _welcomeTimeouts;
    private long _sent;
    private long _received;
    private long _dropped;
    private long _commands;

    /// <summary>MQTT connections the broker accepted.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Connections that completed hello/welcome.</summary>
    public long Links => Interlocked.Read(ref _links);

    /// <summary>Connects the broker refused (credentials, authorization).</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>Connects that failed for other reasons (unreachable, timeout, TLS).</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>Connections dropped because no welcome came in time.</summary>
    public long WelcomeTimeouts => Interlocked.Read(ref _welcomeTimeouts);

    /// <summary>Envelopes published on <c>up</c> (and acknowledged by the broker).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Down envelopes that opened.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Down packets dropped: not opening (tampered, replayed, wrong key), undecodable, before the link, or over the queue limit.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Commands answered.</summary>
    public long CommandsHandled => Interlocked.Read(ref _commands);

    internal void Connected() => Interlocked.Increment(ref _connects);

    internal void Linked() => Interlocked.Increment(ref _links);

    internal void Refused() => Interlocked.Increment(ref _refusals);

    internal void ConnectFailed() => Interlocked.Increment(ref _connectFailures);

    internal void WelcomeTimedOut() => Interlocked.Increment(ref _welcomeTimeouts);

    internal void SentOne() => Interlocked.Increment(ref _sent);

    internal void ReceivedOne() => Interlocked.Increment(ref _received);

    internal void DroppedOne() => Interlocked.Increment(ref _dropped);

    internal void HandledOne() => Interlocked.Increment(ref _commands);
}

/// <summary>
/// Thrown by <see cref="SubDeviceClient.SendAsync"/> when a packet could not be handed to the gateway:
/// no link right now, the connection failed while publishing, or the broker refused the publish.
/// The client reconnects on its own; the caller decides whether the packet is worth sending again.
/// </summary>
public sealed class SubDeviceSendException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SubDeviceSendException()
        : base("the sub-device is not linked to the gateway")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SubDeviceSendException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SubDeviceSendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
