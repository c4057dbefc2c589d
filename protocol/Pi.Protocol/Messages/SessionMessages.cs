using System.Text.Json;
using System.Text.Json.Serialization;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Messages;

/// <summary>
/// A message on a session channel (gateway and cloud under the sessionkey, sub-device and gateway
/// under a link key). The JSON object's <c>type</c> member says which one. Every message that
/// expects an answer carries a transaction id (<c>txn</c>) that the answer repeats.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SessionRequest), "request")]
[JsonDerivedType(typeof(SessionResponse), "response")]
[JsonDerivedType(typeof(ResetUnbind), "resetUnbind")]
[JsonDerivedType(typeof(ResetUnbindResult), "resetUnbindResult")]
[JsonDerivedType(typeof(SubDeviceAdded), "subDeviceAdded")]
[JsonDerivedType(typeof(SubDeviceRemoved), "subDeviceRemoved")]
[JsonDerivedType(typeof(KeyRotation), "keyRotation")]
[JsonDerivedType(typeof(KeyRotationAck), "keyRotationAck")]
[JsonDerivedType(typeof(Ack), "ack")]
[JsonDerivedType(typeof(Logout), "logout")]
[JsonDerivedType(typeof(SessionError), "error")]
[JsonDerivedType(typeof(Relay), "relay")]
public abstract record SessionMessage : IProtocolMessage
{
    /// <summary>Longest transaction id.</summary>
    public const int MaxTxnLength = 64;

    /// <inheritdoc />
    public abstract void Validate();

    private protected static void CheckTxn(string? txn)
    {
        Check.Present(txn, "txn");
        if (!Identifiers.IsValid(txn.AsSpan()))
        {
            throw Check.Invalid("txn", $"must be 1 to {MaxTxnLength} characters of [A-Za-z0-9_-]");
        }
    }

    private protected static void CheckJson(JsonElement? value, string field)
    {
        if (value is not { } element)
        {
            return;
        }
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            throw Check.Invalid(field, "is not a JSON value");
        }
        // A JsonElement keeps its strings escaped, so "\ud800" (a lone surrogate) would pass the
        // decoder and only fail when the message is encoded again or read. Unescape every string
        // and member name now, so such a value is refused where it arrives.
        try
        {
            CheckStrings(element);
        }
        catch (InvalidOperationException)
        {
            throw Check.Invalid(field, "contains a string that is not valid Unicode");
        }
    }

    private static void CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    _ = member.Name;
                    CheckStrings(member.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CheckStrings(item);
                }
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            default:
                break;
        }
    }
}

/// <summary>
/// S402/H160: a command for the gateway (no <see cref="Did"/>) or one of its sub-devices, such as a
/// remote control command. <see cref="Command"/> is a short name; <see cref="Args"/> is free JSON.
/// </summary>
public sealed record SessionRequest(string Txn, string Command, string? Did = null, JsonElement? Args = null) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Text(Command, "command", 1, 64);
        if (Did is not null)
        {
            Check.Id(Did, "did");
        }
        CheckJson(Args, "args");
    }
}

/// <summary>The answer to a <see cref="SessionRequest"/>: a result, or an <see cref="Error"/>.</summary>
public sealed record SessionResponse(string Txn, bool Ok, JsonElement? Result = null, ErrorInfo? Error = null) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        CheckJson(Result, "result");
        if (Ok == (Error is not null))
        {
            throw Check.Invalid("error", "is required when ok is false and absent when it is true");
        }
        Error?.Validate();
    }
}

/// <summary>A stable error code and a message for people.</summary>
public sealed record ErrorInfo(ProtocolErrorCode Code, string Message) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate()
    {
        Check.Defined(Code, "code");
        Check.Text(Message, "message", 0, 512);
    }
}

/// <summary>The gateway was reset by hand: the cloud removes every binding of it and answers.</summary>
public sealed record ResetUnbind(string Txn) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate() => CheckTxn(Txn);
}

/// <summary>The cloud removed <see cref="RemovedBindings"/> bindings.</summary>
public sealed record ResetUnbindResult(string Txn, int RemovedBindings) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Range(RemovedBindings, "removedBindings", 0, int.MaxValue);
    }
}

/// <summary>The cloud tells the gateway about a sub-device the APP registered under it (S500).</summary>
public sealed record SubDeviceAdded(string Txn, string Did, SymmetricKey AccessKey, SymmetricKey LocalKey, uint KeyId, DateTimeOffset KeyExpiresAt, string? Kind = null) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Id(Did, "did");
        Check.Key(AccessKey, "accessKey");
        Check.Key(LocalKey, "localKey");
        if (AccessKey.Equals(LocalKey))
        {
            throw Check.Invalid("localKey", "must differ from accessKey");
        }
        Check.OptionalText(Kind, "kind", 1, 64);
    }
}

/// <summary>The cloud tells the gateway to revoke a sub-device.</summary>
public sealed record SubDeviceRemoved(string Txn, string Did) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Id(Did, "did");
    }
}

/// <summary>New first key pair for the gateway; the old one stays valid until the gateway acknowledges.</summary>
public sealed record KeyRotation(string Txn, uint KeyId, SymmetricKey AccessKey, SymmetricKey LocalKey, DateTimeOffset KeyExpiresAt) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Key(AccessKey, "accessKey");
        Check.Key(LocalKey, "localKey");
        if (AccessKey.Equals(LocalKey))
        {
            throw Check.Invalid("localKey", "must differ from accessKey");
        }
    }
}

/// <summary>The gateway stored the keys of <see cref="KeyId"/>; the cloud switches to them.</summary>
public sealed record KeyRotationAck(string Txn, uint KeyId) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate() => CheckTxn(Txn);
}

/// <summary>Plain acknowledgement of a message that needs no result (subDeviceAdded, subDeviceRemoved).</summary>
public sealed record Ack(string Txn) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate() => CheckTxn(Txn);
}

/// <summary>S403: the gateway logs out; the cloud invalidates the sessionkey and answers with an ack.</summary>
public sealed record Logout(string Txn) : SessionMessage
{
    /// <inheritdoc />
    public override void Validate() => CheckTxn(Txn);
}

/// <summary>An error, in answer to <see cref="Txn"/> when it concerns one message.</summary>
public sealed record SessionError(string? Txn, ProtocolErrorCode Code, string Message) : SessionMessage
{
    /// <summary>
    /// The decoder's constructor: <c>txn</c> is optional on the wire (docs/protocol.md, section 9) and
    /// the encoder leaves it out when null, so a missing <c>txn</c> must decode as null.
    /// </summary>
    [JsonConstructor]
    internal SessionError(ProtocolErrorCode code, string message, string? txn = null)
        : this(txn, code, message)
    {
    }

    /// <inheritdoc />
    public override void Validate()
    {
        if (Txn is not null)
        {
            CheckTxn(Txn);
        }
        Check.Defined(Code, "code");
        Check.Text(Message, "message", 0, 512);
    }
}

/// <summary>
/// Sub-device traffic the gateway bridges to the cloud, several packets in one sealed envelope.
/// Each item has a sequence number that only grows within <see cref="Stream"/> (the gateway's offline
/// queue), so the cloud handles an item at most once however often it is sent. <see cref="Dropped"/>
/// counts up-packets the full queue dropped (oldest first) since the last relay the cloud acknowledged.
/// <see cref="After"/>, when present, makes the relay conditional: the cloud handles it only when it
/// already handled the stream through that seq (the last item of the relay sent before it, which is
/// still in flight), and refuses it otherwise. Answered by <see cref="Ack"/>.
/// </summary>
public sealed record Relay(string Txn, string Stream, IReadOnlyList<RelayItem> Items, long Dropped = 0, long? After = null) : SessionMessage
{
    /// <summary>Most items in one relay.</summary>
    public const int MaxItems = 512;

    /// <inheritdoc />
    public override void Validate()
    {
        CheckTxn(Txn);
        Check.Id(Stream, "stream");
        Check.Present(Items, "items");
        if (Items.Count is 0 or > MaxItems)
        {
            throw Check.Invalid("items", $"must hold 1 to {MaxItems} items");
        }
        long previous = 0;
        foreach (var item in Items)
        {
            Check.Present(item, "items");
            item.Validate();
            if (item.Seq <= previous)
            {
                throw Check.Invalid("items", "must be in increasing seq order");
            }
            previous = item.Seq;
        }
        Check.Range(Dropped, "dropped", 0, long.MaxValue);
        if (After is { } after)
        {
            Check.Range(after, "after", 1, long.MaxValue);
            if (after >= Items[0].Seq)
            {
                throw Check.Invalid("after", "must be below the first item's seq");
            }
        }
    }
}

/// <summary>What a relay item carries: a sub-device's message, or its availability.</summary>
[JsonConverter(typeof(StrictEnumConverter<SubDeviceAvailability>))]
public enum SubDeviceAvailability
{
    /// <summary>The sub-device connected and completed its link hello.</summary>
    [JsonStringEnumMemberName("online")]
    Online = 1,

    /// <summary>The sub-device disconnected (cleanly, by its last will, or revoked).</summary>
    [JsonStringEnumMemberName("offline")]
    Offline = 2,
}

/// <summary>
/// One bridged up-packet: the sub-device <see cref="Did"/>, when the gateway received it, and either
/// the <see cref="Message"/> the sub-device sent (opened and checked by the gateway) or a change of
/// its <see cref="Availability"/>.
/// </summary>
public sealed record RelayItem(long Seq, string Did, DateTimeOffset At, SessionMessage? Message = null, SubDeviceAvailability? Availability = null) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate()
    {
        Check.Range(Seq, "seq", 1, long.MaxValue);
        Check.Id(Did, "did");
        if ((Message is null) == (Availability is null))
        {
            throw Check.Invalid("message", "exactly one of message and availability is required");
        }
        if (Message is not null)
        {
            if (Message is not (SessionRequest or SessionResponse or SessionError))
            {
                throw Check.Invalid("message", "must be a request, response or error");
            }
            Message.Validate();
        }
        if (Availability is { } availability)
        {
            Check.Defined(availability, "availability");
        }
    }
}
